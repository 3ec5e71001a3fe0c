using System.Diagnostics.Metrics;
using Experiments.Contracts.V1;
using Experiments.Ingestion.Log;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Tests.Support;

/// <summary>Event logs over a folder, as the service builds them, for unit tests.</summary>
internal static class TestLogs
{
    private static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public static EventLog Open(string path, LogOptions? options = null, TimeProvider? time = null, long confirmed = 0)
    {
        options ??= new LogOptions();
        options.DataPath = path;
        var log = new EventLog(Options.Create(options), time ?? TimeProvider.System, NullLogger<EventLog>.Instance, new IngestionMetrics(Meters));
        log.Open(confirmed);
        return log;
    }

    public static EncodedEvents Encode(EventLog log, params Event[] events)
    {
        var encoded = new EncodedEvents(events.Length);
        foreach (var e in events)
        {
            encoded.Add(e, log.HashEventId(e.EventId));
        }
        return encoded;
    }

    public static async Task<AppendResult> AppendAsync(EventLog log, params string[] ids)
    {
        using var encoded = Encode(log, [.. ids.Select(id => TestEvents.Request(id))]);
        return await log.AppendAsync(encoded);
    }

    /// <summary>Every committed event after <paramref name="after"/>: position and event id.</summary>
    public static List<(long Position, string EventId)> ReadAll(EventLog log, long after = 0)
    {
        using var cursor = log.OpenCursor(after);
        var entries = new List<LogEntry>();
        while (cursor.Read(entries, 1000) > 0)
        {
        }
        return [.. entries.Select(e => (e.Position, Event.Parser.ParseFrom(e.Event.Span).EventId))];
    }

    public static IEnumerable<string> Segments(string path) =>
        Directory.GetFiles(Path.Combine(path, "segments"), "*.log").Order();
}
