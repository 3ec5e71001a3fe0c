using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Ingestion.Tests.Support;
using Experiments.Tests.Shared;
using Grpc.Core;
using Grpc.Net.Client;

namespace Experiments.Ingestion.Tests.Integration;

/// <summary>
/// The durability promise against a real process: a client streams events over IngestStream with several
/// batches in flight; the ingestion process is killed with SIGKILL at several points (after 1, 3, 8, 17 and
/// 30 acknowledgements, a few milliseconds into the next commits) and restarted on the same data folder; the
/// client resends what was not acknowledged, as an SDK would. In the end statistics must hold every
/// acknowledged event exactly once, and no log position may ever have carried two different events.
/// </summary>
public sealed class CrashRecoveryTests
{
    private const int EventsPerBatch = 200;
    private const int Window = 4;

    [Fact]
    public async Task Every_acknowledged_event_is_delivered_exactly_once_across_SIGKILLs()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        using var dir = new TempDirectory();
        await using var statistics = await FakeStatistics.StartAsync();
        var random = new Random(20250301);
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        var sent = new HashSet<string>(StringComparer.Ordinal);
        var unacknowledged = new List<EventBatch>();
        var nextId = 0;
        var kills = 0;

        foreach (var killAfter in new int?[] { 1, 3, 8, 17, 30, null })
        {
            await using var service = await ServiceProcess.StartAsync("Experiments.Ingestion",
                "--Ingestion:Log:DataPath=" + dir.Path,
                "--Ingestion:Forwarding:StatisticsAddress=" + statistics.Address,
                "--Ingestion:Forwarding:InitialBackoff=00:00:00.100",
                "--Ingestion:Forwarding:MaxBackoff=00:00:01");
            using var channel = GrpcChannel.ForAddress(service.Address);
            var client = new Contracts.V1.Ingestion.IngestionClient(channel.WithApiKey("dev-local-key"));

            // Resent batches first, then new ones; a killed round leaves its unacknowledged batches for the next.
            var toSend = new Queue<EventBatch>(unacknowledged);
            unacknowledged.Clear();
            var newBatches = killAfter is null ? 10 : killAfter.Value + Window + 2;
            for (var b = 0; b < newBatches; b++)
            {
                var batch = TestEvents.Requests(0, "crash", nextId, EventsPerBatch);
                nextId += EventsPerBatch;
                sent.UnionWith(batch.Events.Select(e => e.EventId));
                toSend.Enqueue(batch);
            }

            var inFlight = new Dictionary<long, EventBatch>();
            long sequence = 0;
            var acks = 0;
            using var call = client.IngestStream(cancellationToken: timeout.Token);
            try
            {
                async Task SendNextAsync()
                {
                    if (toSend.TryDequeue(out var batch))
                    {
                        var copy = batch.Clone();
                        copy.Sequence = ++sequence;
                        inFlight[copy.Sequence] = batch;
                        await call.RequestStream.WriteAsync(copy);
                        if (toSend.Count == 0 && killAfter is null)
                        {
                            await call.RequestStream.CompleteAsync();
                        }
                    }
                }
                for (var i = 0; i < Window; i++)
                {
                    await SendNextAsync();
                }
                while (await call.ResponseStream.MoveNext(timeout.Token))
                {
                    var ack = call.ResponseStream.Current;
                    Assert.Equal(EventsPerBatch, ack.AcceptedCount + ack.DuplicateCount);
                    acknowledged.UnionWith(inFlight[ack.BatchSequence].Events.Select(e => e.EventId));
                    inFlight.Remove(ack.BatchSequence);
                    acks++;
                    if (acks == killAfter)
                    {
                        await SendNextAsync();
                        // A few milliseconds in: the batches in flight are somewhere between read, queued, written and fsynced.
                        await Task.Delay(random.Next(0, 6), timeout.Token);
                        await service.KillAsync();
                        kills++;
                    }
                    else
                    {
                        await SendNextAsync();
                    }
                }
                Assert.Null(killAfter);
            }
            catch (Exception ex) when (killAfter is not null && ex is RpcException or IOException or InvalidOperationException)
            {
                // The process is gone; what was not acknowledged is in an unknown state and gets resent.
            }
            unacknowledged.AddRange(inFlight.Values);
            unacknowledged.AddRange(toSend);
        }

        Assert.Equal(5, kills);
        Assert.Empty(unacknowledged);
        var delivered = await statistics.Ledger.WaitUntilAsync(l => acknowledged.All(l.DeliveriesById().ContainsKey), TimeSpan.FromSeconds(90));
        var deliveries = statistics.Ledger.DeliveriesById();
        Assert.True(delivered, $"{acknowledged.Count(id => !deliveries.ContainsKey(id))} of {acknowledged.Count} acknowledged events never reached statistics");
        Assert.Empty(statistics.Ledger.Conflicts);
        Assert.Empty(deliveries.Where(d => d.Value != 1).Select(d => $"{d.Key} x{d.Value}"));
        Assert.Subset(sent, deliveries.Keys.ToHashSet());
        Assert.Equal(sent.Count, acknowledged.Count);
    }
}
