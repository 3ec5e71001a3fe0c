using Experiments.Contracts.V1;
using Experiments.Ingestion.Backpressure;
using Experiments.Ingestion.Log;
using Experiments.Ingestion.Tests.Support;
using Grpc.Core;

namespace Experiments.Ingestion.Tests.Integration;

/// <summary>
/// Issue #15 item 10: the batches held between reading and committing are bounded over the whole process. The tests
/// take the only slot themselves (Ingestion:Intake:MaxBatchesInFlight = 1), as a concurrent call would.
/// </summary>
public sealed class IntakeGateTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private IngestionHost _host = null!;

    public Task InitializeAsync()
    {
        _host = IngestionHost.Start(_dir.Path, new Dictionary<string, string>
        {
            ["Ingestion:Intake:MaxBatchesInFlight"] = "1",
            ["Ingestion:Intake:GateRetryAfter"] = "00:00:00.250",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_unary_batch_finding_no_free_slot_gets_resource_exhausted_with_pushback_and_nothing_is_stored()
    {
        var gate = _host.Get<IntakeGate>();
        Assert.True(gate.TryEnter());

        var error = await Assert.ThrowsAsync<RpcException>(async () => await _host.Client().IngestBatchAsync(TestEvents.Requests(1, "gate", 0, 5)));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("Ingestion:Intake:MaxBatchesInFlight", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("250", error.Trailers.GetValue("grpc-retry-pushback-ms"));
        Assert.Empty(TestLogs.ReadAll(_host.Get<EventLog>()));

        gate.Exit();
        var accepted = await _host.Client().IngestBatchAsync(TestEvents.Requests(2, "gate", 0, 5));
        Assert.Equal(5, accepted.AcceptedCount);
        Assert.Equal(1, gate.Available);
    }

    [Fact]
    public async Task A_stream_waits_for_a_free_slot_and_then_commits_its_batch()
    {
        var gate = _host.Get<IntakeGate>();
        Assert.True(gate.TryEnter());
        using var call = _host.Client().IngestStream();
        await call.RequestStream.WriteAsync(TestEvents.Requests(1, "wait", 0, 3));
        var ack = call.ResponseStream.MoveNext(CancellationToken.None);

        // Held back, not refused: the batch waits for the slot (its sender is held by HTTP/2 flow control meanwhile).
        await Task.Delay(300);
        Assert.False(ack.IsCompleted);
        Assert.Empty(TestLogs.ReadAll(_host.Get<EventLog>()));

        gate.Exit();
        Assert.True(await ack);
        Assert.Equal(3, call.ResponseStream.Current.AcceptedCount);
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(1, gate.Available);
    }
}
