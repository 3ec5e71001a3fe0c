using System.Diagnostics;
using System.Globalization;
using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace Experiments.Bench.Ingestion;

/// <summary>What a flood did to the service: its resident memory and how the calls ended.</summary>
internal sealed record FloodResult(long BaselineRssBytes, long PeakRssBytes, long FinalRssBytes, long Ok, long PushedBack, long PushedBackWithoutAdvice, long OtherFailures)
{
    public override string ToString() =>
        $"RSS {Mb(BaselineRssBytes)} -> peak {Mb(PeakRssBytes)} (final {Mb(FinalRssBytes)}); calls: {Ok} OK, {PushedBack} RESOURCE_EXHAUSTED with grpc-retry-pushback-ms, " +
        $"{PushedBackWithoutAdvice} RESOURCE_EXHAUSTED without it, {OtherFailures} other failures";

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("N0", CultureInfo.InvariantCulture) + " MB";
}

/// <summary>
/// The overload of issue #15 item 10: several connections, each with many concurrent IngestBatch calls of messages just
/// under the 4 MiB limit, for a bounded time, without honouring pushback (a misbehaving client mix). Samples the
/// service's resident set from /proc every 100 ms.
/// </summary>
internal static class FloodBench
{
    public static async Task<FloodResult> RunAsync(IngestionProcess service, int connections, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var baseline = service.ResidentBytes;
        var peak = baseline;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, service.ResidentBytes);
                await Task.Delay(100, CancellationToken.None);
            }
        }, CancellationToken.None);

        long ok = 0, pushedBack = 0, withoutAdvice = 0, other = 0;
        var channels = Enumerable.Range(0, connections).Select(_ => GrpcChannel.ForAddress(service.Address, new GrpcChannelOptions { MaxSendMessageSize = null })).ToArray();
        var run = Guid.NewGuid().ToString("N")[..8];
        var callers = channels.SelectMany((channel, c) => Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            var client = new Contracts.V1.Ingestion.IngestionClient(channel);
            var headers = new Metadata { { "authorization", "Bearer dev-local-key" } };
            var batch = LargeBatch();
            for (var call = 0; !stop.IsCancellationRequested; call++)
            {
                Fill(batch, string.Create(CultureInfo.InvariantCulture, $"{run}-{c}-{i}-{call}-"));
                try
                {
                    await client.IngestBatchAsync(batch, headers, cancellationToken: stop.Token);
                    Interlocked.Increment(ref ok);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
                {
                    Interlocked.Increment(ref (e.Trailers.Get("grpc-retry-pushback-ms") is null ? ref withoutAdvice : ref pushedBack));
                }
                catch (RpcException) when (stop.IsCancellationRequested)
                {
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref other);
                }
            }
        }, CancellationToken.None))).ToArray();
        await Task.WhenAll(callers);
        await sampler;
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
        await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None);
        return new FloodResult(baseline, peak, service.ResidentBytes, ok, pushedBack, withoutAdvice, other);
    }

    /// <summary>10,000 request events with long ids and names: about 3.9 MB serialized, under the 4 MiB message limit.</summary>
    private static EventBatch LargeBatch()
    {
        var batch = new EventBatch { Source = "flood" };
        var padding = new string('x', 240);
        for (var i = 0; i < 10_000; i++)
        {
            batch.Events.Add(new Event
            {
                UserId = "user-" + (i % 5_000).ToString(CultureInfo.InvariantCulture),
                Request = new RequestEvent { ApiName = "flood.v1.Flood/Call", LatencyMs = i % 97, ClientId = "flood-" + padding },
            });
        }
        return batch;
    }

    private static void Fill(EventBatch batch, string prefix)
    {
        var now = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        for (var i = 0; i < batch.Events.Count; i++)
        {
            batch.Events[i].EventId = prefix + i.ToString(CultureInfo.InvariantCulture);
            batch.Events[i].EventTime = now;
        }
    }
}
