using Experiments.Contracts.V1;
using Experiments.Ingestion.Tests.Support;
using Grpc.Core;

namespace Experiments.Ingestion.Tests.Integration;

/// <summary>IngestBatch through the real app in memory: per-event rejections, whole-request statuses, duplicates.</summary>
public sealed class IngestBatchTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private IngestionHost _host = null!;

    public Task InitializeAsync()
    {
        _host = IngestionHost.Start(_dir.Path, new Dictionary<string, string>
        {
            ["Ingestion:Intake:MaxBatchEvents"] = "50",
            ["Ingestion:Intake:MaxRejectionsPerResponse"] = "3",
            ["Grpc:MaxReceiveMessageSize"] = "65536",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Bad_events_are_rejected_one_by_one_with_index_and_reason_while_good_ones_land()
    {
        var nan = TestEvents.Request("bad-latency", latencyMs: double.NaN);
        var noUnit = TestEvents.Request("no-unit");
        noUnit.UserId = "";
        var batch = TestEvents.Batch(4, TestEvents.Request("good-1"), nan, TestEvents.Exposure("good-2"), noUnit, TestEvents.Activity("good-3"));

        var response = await _host.Client().IngestBatchAsync(batch);

        Assert.Equal(4, response.BatchSequence);
        Assert.Equal(3, response.AcceptedCount);
        Assert.Equal(0, response.DuplicateCount);
        Assert.Equal(2, response.RejectedCount);
        Assert.False(response.RejectionsTruncated);
        Assert.Collection(response.Rejections,
            r =>
            {
                Assert.Equal((4L, 1, "bad-latency", EventRejectionReason.InvalidValue, "request.latency_ms"), (r.BatchSequence, r.Index, r.EventId, r.Reason, r.Field));
                Assert.Contains("finite", r.Message, StringComparison.Ordinal);
            },
            r => Assert.Equal((4L, 3, "no-unit", EventRejectionReason.MissingUnitId), (r.BatchSequence, r.Index, r.EventId, r.Reason)));
        var log = _host.Get<Log.EventLog>();
        Assert.Equal(["good-1", "good-2", "good-3"], TestLogs.ReadAll(log).Select(e => e.EventId));
    }

    [Fact]
    public async Task Rejections_listed_are_capped_but_counts_are_complete()
    {
        var batch = TestEvents.Batch(1, [.. Enumerable.Range(0, 10).Select(i => TestEvents.Request("", latencyMs: 1))]);

        var response = await _host.Client().IngestBatchAsync(batch);

        Assert.Equal(10, response.RejectedCount);
        Assert.Equal(3, response.Rejections.Count);
        Assert.True(response.RejectionsTruncated);
        Assert.Equal([0, 1, 2], response.Rejections.Select(r => r.Index));
    }

    [Fact]
    public async Task A_resent_batch_is_acknowledged_as_duplicates_and_stored_once()
    {
        var batch = TestEvents.Requests(1, "retry", 0, 20);
        batch.Events.Add(TestEvents.Request("retry-3"));

        var first = await _host.Client().IngestBatchAsync(batch);
        var second = await _host.Client().IngestBatchAsync(batch);

        Assert.Equal((20L, 1L), (first.AcceptedCount, first.DuplicateCount));
        Assert.Equal((0L, 21L), (second.AcceptedCount, second.DuplicateCount));
        Assert.Equal(20, TestLogs.ReadAll(_host.Get<Log.EventLog>()).Count);
    }

    [Fact]
    public async Task A_batch_over_the_event_limit_is_refused_whole_with_resource_exhausted()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await _host.Client().IngestBatchAsync(TestEvents.Requests(1, "big", 0, 51)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("50", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(TestLogs.ReadAll(_host.Get<Log.EventLog>()));
    }

    [Fact]
    public async Task A_message_over_the_size_limit_is_refused_with_resource_exhausted()
    {
        var batch = TestEvents.Requests(1, "huge", 0, 10);
        batch.Source = new string('s', 70_000);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await _host.Client().IngestBatchAsync(batch));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task An_empty_batch_is_acknowledged_with_zero_counts()
    {
        var response = await _host.Client().IngestBatchAsync(TestEvents.Batch(9));

        Assert.Equal((9L, 0L, 0L, 0L), (response.BatchSequence, response.AcceptedCount, response.DuplicateCount, response.RejectedCount));
    }
}
