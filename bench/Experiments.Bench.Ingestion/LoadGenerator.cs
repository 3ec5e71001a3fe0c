using System.Diagnostics;
using System.Globalization;
using Experiments.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Bench.Ingestion;

/// <summary>What one phase measured: events acknowledged in the measured part, and the ack latency of each batch sent in it.</summary>
internal sealed record PhaseResult(long Events, TimeSpan Measured, List<double> LatenciesMs, long Rejected)
{
    public double EventsPerSecond => Events / Measured.TotalSeconds;
}

/// <summary>
/// Streams batches of small request events over IngestStream calls, each keeping a window of batches in
/// flight. Unpaced, it finds the peak; paced (open loop), each batch has an intended send time and its ack
/// latency is measured from that time, so a stall is not hidden by the sender waiting on it.
/// </summary>
internal sealed class LoadGenerator(GrpcChannel channel, BenchOptions options)
{
    private static readonly string[] Users = [.. Enumerable.Range(0, 10_000).Select(i => "user-" + i.ToString(CultureInfo.InvariantCulture))];
    private static readonly string[] Apis = ["orders.v1.Orders/PlaceOrder", "orders.v1.Orders/CancelOrder", "quotes.v1.Quotes/GetQuote", "GET /positions"];

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private long _batchCounter;

    public async Task<PhaseResult> RunAsync(TimeSpan warmUp, TimeSpan measured, double? eventsPerSecond, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        var end = measureFrom + (long)(measured.TotalSeconds * Stopwatch.Frequency);
        var streams = Enumerable.Range(0, options.Streams)
            .Select(s => Task.Run(() => StreamAsync(s, start, measureFrom, end, eventsPerSecond / options.Streams, cancellationToken), cancellationToken))
            .ToArray();
        var results = await Task.WhenAll(streams);
        return new PhaseResult(results.Sum(r => r.Events), measured, [.. results.SelectMany(r => r.LatenciesMs)], results.Sum(r => r.Rejected));
    }

    private async Task<PhaseResult> StreamAsync(int stream, long start, long measureFrom, long end, double? eventsPerSecond, CancellationToken cancellationToken)
    {
        var headers = new Metadata { { "authorization", "Bearer dev-local-key" } };
        var client = new Contracts.V1.Ingestion.IngestionClient(channel);
        using var call = client.IngestStream(headers, cancellationToken: cancellationToken);
        var slots = new SemaphoreSlim(options.Window);
        var intended = new Dictionary<long, long>();
        var latencies = new List<double>();
        long acknowledged = 0, rejected = 0;
        var suffixes = Enumerable.Range(0, options.BatchEvents).Select(i => "-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var batch = Template(stream, suffixes.Length);

        var reader = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                var ack = call.ResponseStream.Current;
                var now = Stopwatch.GetTimestamp();
                long sentAt;
                lock (intended)
                {
                    sentAt = intended[ack.BatchSequence];
                    intended.Remove(ack.BatchSequence);
                }
                if (now >= measureFrom && now < end)
                {
                    acknowledged += ack.AcceptedCount + ack.DuplicateCount;
                }
                if (sentAt >= measureFrom && sentAt < end)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(sentAt, now).TotalMilliseconds);
                }
                rejected += ack.RejectedCount;
                slots.Release();
            }
        }, cancellationToken);

        var interval = eventsPerSecond is { } rate ? (long)(options.BatchEvents / rate * Stopwatch.Frequency) : 0;
        for (long sequence = 1; ; sequence++)
        {
            var due = interval > 0 ? start + ((sequence - 1) * interval) : Stopwatch.GetTimestamp();
            if (due >= end)
            {
                break;
            }
            if (interval > 0)
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }
            }
            await slots.WaitAsync(cancellationToken);
            if (interval == 0)
            {
                due = Stopwatch.GetTimestamp();
            }
            Fill(batch, sequence, suffixes);
            lock (intended)
            {
                intended[sequence] = due;
            }
            await call.RequestStream.WriteAsync(batch);
        }
        await call.RequestStream.CompleteAsync();
        await reader;
        return new PhaseResult(acknowledged, TimeSpan.Zero, latencies, rejected);
    }

    private static EventBatch Template(int stream, int events)
    {
        var batch = new EventBatch { Source = "bench/" + stream.ToString(CultureInfo.InvariantCulture) };
        var random = new Random(stream);
        for (var i = 0; i < events; i++)
        {
            batch.Events.Add(new Event
            {
                UserId = Users[random.Next(Users.Length)],
                Request = new RequestEvent
                {
                    ApiName = Apis[i % Apis.Length],
                    LatencyMs = Math.Round(random.NextDouble() * 40, 3),
                    StatusCode = i % 50 == 0 ? 14 : 0,
                    Error = i % 50 == 0,
                    ClientId = "bench",
                },
            });
        }
        return batch;
    }

    /// <summary>Fresh ids and time for a reused batch: ids are unique across the run, so every event is new.</summary>
    private void Fill(EventBatch batch, long sequence, string[] suffixes)
    {
        batch.Sequence = sequence;
        var prefix = _run + "-" + Interlocked.Increment(ref _batchCounter).ToString(CultureInfo.InvariantCulture);
        var now = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        var events = batch.Events;
        for (var i = 0; i < events.Count; i++)
        {
            events[i].EventId = string.Concat(prefix, suffixes[i]);
            events[i].EventTime = now;
        }
    }
}
