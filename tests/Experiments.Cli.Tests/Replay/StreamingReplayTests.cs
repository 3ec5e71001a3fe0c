using Experiments.Contracts.V1;
using Experiments.Tests.Shared;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Cli.Tests.Replay;

/// <summary>Server-streaming, client-streaming and duplex exchanges replayed as raw bytes: every recorded message sent, every answer read and compared.</summary>
public sealed class StreamingReplayTests : IAsyncLifetime
{
    private const string Key = "streaming-replay-key";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "exp-replay-tests", Guid.NewGuid().ToString("N"));
    private ServiceProcess _statistics = null!;
    private StreamingBackend _backend = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _statistics = await ServiceProcess.StartBuiltAsync("Experiments.Statistics", "--Data:Folder=" + Path.Combine(_folder, "statistics"));
        _backend = await StreamingBackend.StartAsync(Key);
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _statistics.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static CapturedExchange Exchange(string id, string method, string callType, params IMessage[] requests)
    {
        var exchange = new CapturedExchange
        {
            CaptureId = id,
            Protocol = CaptureProtocol.Grpc,
            ApiName = method,
            HttpMethod = "POST",
            Path = "/" + method,
            HttpVersion = "HTTP/2",
            GrpcCallType = callType,
            StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Variants = { [ReplayBackend.Flag] = ReplayBackend.Control },
        };
        exchange.RequestMessages.AddRange(requests.Select(r => new CapturedMessage { Payload = r.ToByteString() }));
        return exchange;
    }

    private static EventBatch Batch(long sequence, int events) => new()
    {
        Sequence = sequence,
        Events = { Enumerable.Range(0, events).Select(i => new Event { EventId = $"e-{sequence}-{i}" }) },
    };

    [Fact]
    public async Task Streaming_calls_send_every_recorded_message_and_compare_every_answer()
    {
        var capture = Captures.Write(Path.Combine(_folder, "streams.jsonl"),
        [
            Exchange("watch", "experiments.v1.Assignment/WatchDefinitions", "SERVER_STREAMING", new WatchDefinitionsRequest { FlagKeys = { "order-routing" } }),
            Exchange("ingest", "experiments.v1.Ingestion/Ingest", "CLIENT_STREAMING", Batch(1, 2), Batch(2, 1), Batch(3, 4)),
            Exchange("duplex", "experiments.v1.Ingestion/IngestStream", "DUPLEX_STREAMING", Batch(1, 2), Batch(2, 3)),
        ]);

        var result = await ReplayCli.RunAsync(new Dictionary<string, string>(),
        [
            "replay", "--capture", capture, "--target", _backend.Address, "--statistics-url", _statistics.Address,
            "--variant", ReplayBackend.Control, "--variant", ReplayBackend.Treatment, "--replay-key", Key, "--speed", "max",
        ]);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        var calls = _backend.Calls.Messages;
        Assert.Equal(1, calls["WatchDefinitions control"]);
        Assert.Equal(1, calls["WatchDefinitions new-router"]);
        Assert.Equal(3, calls["Ingest control"]);
        Assert.Equal(3, calls["Ingest new-router"]);
        Assert.Equal(2, calls["IngestStream control"]);
        Assert.Equal(2, calls["IngestStream new-router"]);
        // WatchDefinitions names the variant in its second message and Ingest doubles its count under the treatment;
        // IngestStream answers alike.
        Assert.Contains("Responses that differ between control and new-router: 2 of 3", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"message\[1\]\.4\.1\s+""control""\s+""new-router""", result.Stdout);
        Assert.Matches(@"\s2\s+3\s+6\s", result.Stdout);
        Assert.Matches(@"errors\s+│\s+0\s+│\s+0", result.Stdout);
    }
}
