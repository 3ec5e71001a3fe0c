using Experiments.Contracts.V1;
using Experiments.Ingestion.Tests.Support;
using Grpc.Core;

namespace Experiments.Ingestion.Tests.Integration;

public sealed class StreamingTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private IngestionHost _host = null!;

    public Task InitializeAsync()
    {
        _host = IngestionHost.Start(_dir.Path, new Dictionary<string, string> { ["Ingestion:Intake:MaxBatchEvents"] = "100" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task IngestStream_acknowledges_every_batch_by_sequence_in_the_order_sent()
    {
        using var call = _host.Client().IngestStream();
        var sender = Task.Run(async () =>
        {
            for (var s = 1; s <= 30; s++)
            {
                var batch = TestEvents.Requests(s, "stream", (s - 1) * 10, 10);
                if (s == 7)
                {
                    batch.Events[2].Request.LatencyMs = -1;
                }
                await call.RequestStream.WriteAsync(batch);
            }
            await call.RequestStream.CompleteAsync();
        });
        var acks = new List<IngestResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            acks.Add(call.ResponseStream.Current);
        }
        await sender;

        Assert.Equal(Enumerable.Range(1, 30).Select(s => (long)s), acks.Select(a => a.BatchSequence));
        Assert.Equal(299, acks.Sum(a => a.AcceptedCount));
        var rejection = Assert.Single(acks[6].Rejections);
        Assert.Equal((7L, 2, "stream-62"), (rejection.BatchSequence, rejection.Index, rejection.EventId));
    }

    [Fact]
    public async Task IngestStream_acknowledges_batches_before_a_refused_one_then_ends_with_its_status()
    {
        using var call = _host.Client().IngestStream();
        await call.RequestStream.WriteAsync(TestEvents.Requests(1, "before", 0, 10));
        await call.RequestStream.WriteAsync(TestEvents.Requests(2, "too-big", 0, 101));
        await call.RequestStream.WriteAsync(TestEvents.Requests(3, "after", 0, 10));

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(1, call.ResponseStream.Current.BatchSequence);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal(["before"], TestLogs.ReadAll(_host.Get<Log.EventLog>()).Select(e => e.EventId.Split('-')[0]).Distinct());
    }

    [Fact]
    public async Task Ingest_summarizes_all_batches_of_the_call_once_committed()
    {
        using var call = _host.Client().Ingest();
        await call.RequestStream.WriteAsync(TestEvents.Requests(1, "sum", 0, 40));
        var second = TestEvents.Requests(2, "sum", 30, 40);
        second.Events[39].EventTime = null;
        await call.RequestStream.WriteAsync(second);
        await call.RequestStream.CompleteAsync();

        var summary = await call;

        Assert.Equal(2, summary.BatchSequence);
        Assert.Equal((69L, 10L, 1L), (summary.AcceptedCount, summary.DuplicateCount, summary.RejectedCount));
        Assert.Equal((2L, 39, EventRejectionReason.MissingEventTime), (summary.Rejections[0].BatchSequence, summary.Rejections[0].Index, summary.Rejections[0].Reason));
        Assert.Equal(69, TestLogs.ReadAll(_host.Get<Log.EventLog>()).Count);
    }
}
