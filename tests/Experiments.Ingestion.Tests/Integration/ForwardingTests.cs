using System.Text.Json;
using Experiments.Contracts.V1;
using Experiments.Ingestion.Tests.Support;
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
    public async Task Dapr_mode_bulk_publishes_cloudevents_keyed_by_unit_and_retries_failed_entries()
    {
        await using var sidecar = await DaprSidecarDouble.StartAsync();
        sidecar.FailNext = ids => [ids[1], ids[4]];
        await using var host = IngestionHost.Start(_dir.Path, new Dictionary<string, string>
        {
            ["Ingestion:Forwarding:Mode"] = "Dapr",
            ["Ingestion:Forwarding:Dapr:HttpEndpoint"] = sidecar.Address,
            ["Ingestion:Forwarding:Dapr:PubSubName"] = "events-bus",
            ["Ingestion:Forwarding:Dapr:ApiToken"] = "sidecar-token",
        });
        var batch = TestEvents.Batch(1, TestEvents.Request("d-0", "alice"), TestEvents.Exposure("d-1", "bob"), TestEvents.Activity("d-2", "carol"),
            TestEvents.Metric("d-3", 4.5, "dave"), TestEvents.Request("d-4", "erin"), TestEvents.Request("d-5", "alice"));

        Assert.Equal(6, (await host.Client().IngestBatchAsync(batch)).AcceptedCount);

        var log = host.Get<Log.EventLog>();
        Assert.True(SpinWait.SpinUntil(() => log.ConfirmedPosition == 6, Patience), $"confirmed {log.ConfirmedPosition}");
        var requests = sidecar.Requests;
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal(("events-bus", "experiment-events", "sidecar-token"), (r.PubSub, r.Topic, r.Token)));
        Assert.All(requests, r => Assert.StartsWith("application/json", r.ContentType, StringComparison.Ordinal));
        Assert.Equal(6, requests[0].Entries.Length);
        Assert.Equal(["2", "5"], requests[1].Entries.Select(e => e.GetProperty("entryId").GetString()));

        var published = sidecar.Published.OrderBy(e => e.GetProperty("entryId").GetString()).ToList();
        Assert.Equal(["1", "2", "3", "4", "5", "6"], published.Select(e => e.GetProperty("entryId").GetString()));
        var units = new[] { "alice", "bob", "session-carol", "request-dave", "erin", "alice" };
        for (var i = 0; i < 6; i++)
        {
            var entry = published[i];
            Assert.Equal("application/cloudevents+json", entry.GetProperty("contentType").GetString());
            Assert.Equal(units[i], entry.GetProperty("metadata").GetProperty("partitionKey").GetString());
            var cloudEvent = entry.GetProperty("event");
            Assert.Equal("1.0", cloudEvent.GetProperty("specversion").GetString());
            Assert.Equal($"{log.LogId}:{i + 1}", cloudEvent.GetProperty("id").GetString());
            Assert.Equal("experiments.v1.ForwardRequest", cloudEvent.GetProperty("type").GetString());
            Assert.Equal("application/json", cloudEvent.GetProperty("datacontenttype").GetString());
            var data = JsonParser.Default.Parse<ForwardRequest>(cloudEvent.GetProperty("data").GetRawText());
            Assert.Equal(log.LogId, data.LogId);
            var logged = Assert.Single(data.Events);
            Assert.Equal(i + 1, logged.Position);
            Assert.Equal(batch.Events[i], logged.Event);
        }
    }
}
