using System.Globalization;
using Experiments.Contracts.V1;
using Experiments.Ingestion.Log;
using Experiments.Ingestion.Tests.Support;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Tests.Integration;

/// <summary>
/// The outbox forwarder against three statistics replicas on loopback sockets, each owning some of five
/// partitions and refusing the others, as statistics replicas started with <c>Statistics:OwnedPartitions</c> do.
/// Which partition an event belongs to comes from <see cref="ReferencePartitioning"/>, not from the service.
/// </summary>
public sealed class PartitionRoutingTests : IDisposable
{
    private const int PartitionCount = 5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Each_replica_receives_exactly_the_events_of_the_partitions_it_owns()
    {
        await using var replicas = await Replicas.StartAsync();
        await using var host = Host(replicas);
        var batch = Mixed(1, "route", 0, 600);

        Assert.Equal(600, (await host.Client().IngestBatchAsync(batch)).AcceptedCount);

        await replicas.WaitForAsync(batch.Events);
        foreach (var replica in replicas.All)
        {
            var applied = replica.Ledger.AppliedWithPartition();
            Assert.NotEmpty(applied);
            Assert.All(applied, a => Assert.Equal(ReferencePartitioning.Of(a.Event, PartitionCount), a.Partition));
            Assert.Equal(Owned(replica, batch.Events).Select(e => e.EventId).Order(), applied.Select(a => a.Event.EventId).Order());
        }
        replicas.AssertEachDeliveredOnce(batch.Events);
        var log = host.Get<EventLog>();
        Assert.True(SpinWait.SpinUntil(() => log.ConfirmedPosition == 600, Patience), $"confirmed {log.ConfirmedPosition}");
    }

    [Fact]
    public async Task A_replica_that_is_down_gets_its_backlog_when_it_returns_while_the_others_keep_flowing()
    {
        await using var replicas = await Replicas.StartAsync();
        await using var host = Host(replicas);
        var log = host.Get<EventLog>();
        var sent = Mixed(1, "before", 0, 150).Events.ToList();
        await host.Client().IngestBatchAsync(Batch(1, sent));
        await replicas.WaitForAsync(sent);
        Assert.True(SpinWait.SpinUntil(() => log.ConfirmedPosition == 150, Patience), $"confirmed {log.ConfirmedPosition}");

        await replicas.Down.StopAsync();
        for (var s = 0; s < 10; s++)
        {
            var batch = Mixed(2 + s, "outage", s * 100, 100);
            Assert.Equal(100, (await host.Client().IngestBatchAsync(batch)).AcceptedCount);
            sent.AddRange(batch.Events);
        }

        // The others get every event of theirs, including those logged after the first one the down replica misses.
        await replicas.WaitForAsync(sent, except: replicas.Down);
        Assert.Equal(Owned(replicas.Down, sent.Take(150)).Count(), replicas.Down.Ledger.AppliedCount);
        var others = replicas.All.Where(r => r != replicas.Down).SelectMany(r => r.Ledger.AppliedWithPartition()).Select(a => a.Event.EventId).ToHashSet();
        var firstMissed = 1 + sent.FindIndex(e => !others.Contains(e.EventId) && e.EventId.StartsWith("outage", StringComparison.Ordinal));
        Assert.True(firstMissed > 150, "the down replica owns none of the outage events");
        // The log keeps everything from the down replica's first missing event on.
        Assert.InRange(log.ConfirmedPosition, 150, firstMissed - 1);
        Assert.Equal(1_150, log.DurablePosition);

        await replicas.Down.RestartAsync();

        await replicas.WaitForAsync(sent);
        replicas.AssertEachDeliveredOnce(sent);
        Assert.True(SpinWait.SpinUntil(() => log.ConfirmedPosition == 1_150, Patience), $"confirmed {log.ConfirmedPosition}");
    }

    [Fact]
    public async Task Restarting_ingestion_while_a_replica_is_down_neither_loses_nor_duplicates()
    {
        await using var replicas = await Replicas.StartAsync();
        var sent = new List<Event>();
        await using (var host = Host(replicas))
        {
            var first = Mixed(1, "first", 0, 200);
            await host.Client().IngestBatchAsync(first);
            sent.AddRange(first.Events);
            await replicas.WaitForAsync(sent);

            await replicas.Down.StopAsync();
            var during = Mixed(2, "during", 0, 300);
            Assert.Equal(300, (await host.Client().IngestBatchAsync(during)).AcceptedCount);
            sent.AddRange(during.Events);
            await replicas.WaitForAsync(sent, except: replicas.Down);
        }

        // The checkpoint is held back by the down replica: the others may be sent events they already have.
        await using (var restarted = Host(replicas))
        {
            var after = Mixed(3, "after", 0, 100);
            Assert.Equal(100, (await restarted.Client().IngestBatchAsync(after)).AcceptedCount);
            sent.AddRange(after.Events);
            await replicas.WaitForAsync(sent, except: replicas.Down);

            await replicas.Down.RestartAsync();

            await replicas.WaitForAsync(sent);
            var log = restarted.Get<EventLog>();
            Assert.True(SpinWait.SpinUntil(() => log.ConfirmedPosition == 600, Patience), $"confirmed {log.ConfirmedPosition}");
        }
        replicas.AssertEachDeliveredOnce(sent);
    }

    [Theory]
    [InlineData("0,3|1,3|2,4", "partition 3 is owned twice")]
    [InlineData("0,3|1|2", "partition 4 is owned by no statistics replica")]
    public void Start_up_fails_naming_a_partition_owned_twice_or_not_at_all(string ownership, string expected)
    {
        var settings = Settings(ownership.Split('|').Select((set, r) => ($"http://127.0.0.1:{1 + r}", set.Split(',').Select(int.Parse).ToArray())));

        var error = Assert.ThrowsAny<Exception>(() => IngestionHost.Start(_dir.Path, settings));

        var invalid = Causes(error).OfType<OptionsValidationException>().FirstOrDefault();
        Assert.True(invalid is not null, error.ToString());
        Assert.Contains(expected, invalid.Message, StringComparison.Ordinal);
    }

    private IngestionHost Host(Replicas replicas) =>
        IngestionHost.Start(_dir.Path, Settings(replicas.All.Select(r => (r.Address, r.Owned.ToArray()))));

    private static Dictionary<string, string> Settings(IEnumerable<(string Address, int[] Partitions)> replicas)
    {
        var settings = new Dictionary<string, string>
        {
            ["Ingestion:Forwarding:Mode"] = "Local",
            ["Ingestion:Forwarding:PartitionCount"] = PartitionCount.ToString(CultureInfo.InvariantCulture),
            ["Ingestion:Forwarding:MaxEventsPerRequest"] = "50",
        };
        foreach (var (replica, r) in replicas.Select((replica, r) => (replica, r)))
        {
            settings[$"Ingestion:Forwarding:Statistics:{r}:Address"] = replica.Address;
            for (var i = 0; i < replica.Partitions.Length; i++)
            {
                settings[$"Ingestion:Forwarding:Statistics:{r}:Partitions:{i}"] = replica.Partitions[i].ToString(CultureInfo.InvariantCulture);
            }
        }
        return settings;
    }

    /// <summary>Requests of users, activities of sessions and metrics of requests, so every kind of unit is routed.</summary>
    private static EventBatch Mixed(long sequence, string prefix, int first, int count)
    {
        var events = Enumerable.Range(first, count).Select(i => (i % 3) switch
        {
            0 => TestEvents.Request($"{prefix}-{i}", "user-" + (i % 41)),
            1 => TestEvents.Activity($"{prefix}-{i}", "s" + (i % 23)),
            _ => TestEvents.Metric($"{prefix}-{i}", i, "r" + (i % 19)),
        });
        return Batch(sequence, events);
    }

    private static EventBatch Batch(long sequence, IEnumerable<Event> events) => TestEvents.Batch(sequence, [.. events]);

    private static IEnumerable<Event> Owned(FakeStatistics replica, IEnumerable<Event> events) =>
        events.Where(e => replica.Owned.Contains(ReferencePartitioning.Of(e, PartitionCount)));

    private static IEnumerable<Exception> Causes(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    /// <summary>Three replicas owning {0, 3}, {1} and {2, 4}; the one owning {1} is the one tests take down.</summary>
    private sealed class Replicas : IAsyncDisposable
    {
        private Replicas(FakeStatistics[] all) => All = all;

        public FakeStatistics[] All { get; }

        public FakeStatistics Down => All[1];

        public static async Task<Replicas> StartAsync() => new(
        [
            await FakeStatistics.StartOwningAsync(PartitionCount, 0, 3),
            await FakeStatistics.StartOwningAsync(PartitionCount, 1),
            await FakeStatistics.StartOwningAsync(PartitionCount, 2, 4),
        ]);

        /// <summary>Waits until each replica (but <paramref name="except"/>) holds as many events as it owns of <paramref name="events"/>.</summary>
        public async Task WaitForAsync(IReadOnlyCollection<Event> events, FakeStatistics? except = null)
        {
            foreach (var replica in All.Where(r => r != except))
            {
                var expected = Owned(replica, events).Count();
                Assert.True(await replica.Ledger.WaitUntilAsync(l => l.AppliedCount >= expected, Patience),
                    $"replica of {string.Join(',', replica.Owned)} applied {replica.Ledger.AppliedCount} of {expected}; refused: {string.Join("; ", replica.Ledger.Refused.Distinct())}");
            }
        }

        /// <summary>Every event applied by exactly one replica (the one owning its partition), nothing else applied, nothing refused.</summary>
        public void AssertEachDeliveredOnce(IReadOnlyCollection<Event> events)
        {
            var deliveries = All.SelectMany(r => r.Ledger.DeliveriesById()).GroupBy(d => d.Key).ToDictionary(g => g.Key, g => g.Sum(d => d.Value));
            Assert.Equal(events.Select(e => e.EventId).Order(), deliveries.Keys.Order());
            Assert.Empty(deliveries.Where(d => d.Value != 1).Select(d => $"{d.Key} x{d.Value}"));
            foreach (var replica in All)
            {
                Assert.Equal(Owned(replica, events).Select(e => e.EventId).Order(), replica.Ledger.DeliveriesById().Keys.Order());
                Assert.Empty(replica.Ledger.Conflicts);
                Assert.Empty(replica.Ledger.Refused);
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var replica in All)
            {
                await replica.DisposeAsync();
            }
        }
    }
}
