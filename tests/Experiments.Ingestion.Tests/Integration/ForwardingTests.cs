using System.Text.Json;
using Experiments.Contracts.V1;
using Experiments.Ingestion.Tests.Support;
using Experiments.Testing.Dapr;
using Google.Protobuf;

namespace Experiments.Ingestion.Tests.Integration;

/// <summary>The outbox forwarder against a test StatisticsIntake server and a test double of the Dapr sidecar.</summary>
public sealed class ForwardingTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private IngestionHost Host(FakeStatistics statistics, int partitions = 1) => IngestionHost.Start(_dir.Path, new Dictionary<string, string>
    {
        ["Ingestion:Forwarding:Mode"] = "Local",
        ["Ingestion:Forwarding:StatisticsAddress"] = statistics.Address,
        ["Ingestion:Forwarding:PartitionCount"] = partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Ingestion:Forwarding:MaxEventsPerRequest"] = "100",
    });

    [Fact]
    public async Task Accepted_events_reach_statistics_in_order_and_rejected_ones_do_not()
    {
        await using var statistics = await FakeStatistics.StartAsync();
        await using var host = Host(statistics, partitions: 3);
        var batch = TestEvents.Requests(1, "fwd", 0, 250);
        batch.Events[10].Request.LatencyMs = double.NaN;

        var response = await host.Client().IngestBatchAsync(batch);

        Assert.Equal(249, response.AcceptedCount);
        Assert.True(await statistics.Ledger.WaitUntilAsync(l => l.AppliedCount == 249, Patience), $"{statistics.Ledger.AppliedCount} applied");
        var delivered = statistics.Ledger.DeliveriesById();
        Assert.DoesNotContain("fwd-10", delivered.Keys);
        Assert.All(delivered.Values, count => Assert.Equal(1, count));
        Assert.Empty(statistics.Ledger.Conflicts);
    }

    [Fact]
    public async Task Duplicates_sent_after_a_restart_are_acknowledged_and_not_forwarded_again()
    {
        await using var statistics = await FakeStatistics.StartAsync();
        var batch = TestEvents.Requests(1, "restart", 0, 100);
        await using (var host = Host(statistics))
        {
            Assert.Equal(100, (await host.Client().IngestBatchAsync(batch)).AcceptedCount);
            Assert.True(await statistics.Ledger.WaitUntilAsync(l => l.AppliedCount == 100, Patience));
        }

        await using (var restarted = Host(statistics))
        {
            var again = await restarted.Client().IngestBatchAsync(batch);
            var more = await restarted.Client().IngestBatchAsync(TestEvents.Requests(2, "restart", 100, 10));

            Assert.Equal((0L, 100L), (again.AcceptedCount, again.DuplicateCount));
            Assert.Equal(10, more.AcceptedCount);
            Assert.True(await statistics.Ledger.WaitUntilAsync(l => l.AppliedCount == 110, Patience));
        }
        Assert.Equal(110, statistics.Ledger.DeliveriesById().Count);
        Assert.All(statistics.Ledger.DeliveriesById().Values, count => Assert.Equal(1, count));
        Assert.Empty(statistics.Ledger.Conflicts);
    }

    [Fact]
    public async Task The_backlog_built_while_statistics_is_down_drains_when_it_returns()
    {
        await using var statistics = await FakeStatistics.StartAsync();
        await using var host = Host(statistics);
        await host.Client().IngestBatchAsync(TestEvents.Requests(1, "early", 0, 50));
        Assert.True(await statistics.Ledger.WaitUntilAsync(l => l.AppliedCount == 50, Patience));

        await statistics.StopAsync();
        for (var s = 0; s < 20; s++)
        {
            var response = await host.Client().IngestBatchAsync(TestEvents.Requests(2 + s, "outage", s * 100, 100));
            Assert.Equal(100, response.AcceptedCount);
        }
        var log = host.Get<Log.EventLog>();
        Assert.Equal(2_050, log.DurablePosition);
        Assert.True(log.ConfirmedPosition <= 50, $"confirmed {log.ConfirmedPosition} while statistics is down");
        Assert.Equal(50, statistics.Ledger.AppliedCount);

        await statistics.RestartAsync();

        Assert.True(await statistics.Ledger.WaitUntilAsync(l => l.AppliedCount == 2_050, Patience), $"{statistics.Ledger.AppliedCount} applied");
        Assert.True(SpinWait.SpinUntil(() => log.ConfirmedPosition == 2_050, Patience), $"confirmed {log.ConfirmedPosition}");
        Assert.All(statistics.Ledger.DeliveriesById().Values, count => Assert.Equal(1, count));
        Assert.Empty(statistics.Ledger.Conflicts);
    }

    [Fact]
    public async Task Dapr_mode_bulk_publishes_each_partition_to_its_topic_through_the_sdk_and_retries_failed_entries()
    {
        await using var sidecar = await DaprSidecarDouble.StartAsync();
        sidecar.FailNextBulkPublish = ids => [ids[1]];
        var settings = sidecar.Settings("sidecar-token");
        settings["Ingestion:Forwarding:Mode"] = "Dapr";
        settings["Ingestion:Forwarding:PartitionCount"] = "2";
        settings["Ingestion:Forwarding:Dapr:PubSubName"] = "events-bus";
        await using var host = IngestionHost.Start(_dir.Path, settings);
        // Calls are refused (UNAVAILABLE) until the service has seen its sidecar answer; under load that takes a moment.
        using (var ready = new CancellationTokenSource(Patience))
        {
            await host.Get<Experiments.ServiceDefaults.Dapr.DaprSidecarReadiness>().WaitAsync(ready.Token);
        }
        var batch = TestEvents.Batch(1, TestEvents.Request("d-0", "alice"), TestEvents.Exposure("d-1", "bob"), TestEvents.Activity("d-2", "carol"),
            TestEvents.Metric("d-3", 4.5, "dave"), TestEvents.Request("d-4", "erin"), TestEvents.Request("d-5", "alice"));

        Assert.Equal(6, (await host.Client().IngestBatchAsync(batch)).AcceptedCount);

        var log = host.Get<Log.EventLog>();
        Assert.True(SpinWait.SpinUntil(() => log.ConfirmedPosition == 6, Patience), $"confirmed {log.ConfirmedPosition}");
        var published = sidecar.Broker.Published;
        Assert.All(sidecar.Tokens, t => Assert.Equal("sidecar-token", t));
        Assert.Equal(6, published.Count);
        Assert.All(published, p => Assert.Equal("events-bus", p.PubSub));
        var delivered = new Dictionary<long, ForwardRequest>();
        foreach (var (_, topic, contentType, data) in published)
        {
            Assert.Equal("application/json", contentType);
            var request = JsonParser.Default.Parse<ForwardRequest>(data.ToStringUtf8());
            var logged = Assert.Single(request.Events);
            // Each partition on its own topic; the id of the event (log and position) inside the payload.
            Assert.Equal("experiment-events-p" + ReferencePartitioning.Of(logged.Event, 2), topic);
            Assert.Equal(request.Partition, ReferencePartitioning.Of(logged.Event, 2));
            Assert.Equal(log.LogId, request.LogId);
            delivered.Add(logged.Position, request);
        }
        Assert.Equal([1L, 2, 3, 4, 5, 6], delivered.Keys.Order());
        Assert.All(delivered, d => Assert.Equal(batch.Events[(int)d.Key - 1], d.Value.Events[0].Event));
    }
}
