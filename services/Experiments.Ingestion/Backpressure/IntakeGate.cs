using Experiments.Ingestion.Intake;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Backpressure;

/// <summary>
/// Bounds the batches this process holds between reading them and committing them, over every call at once
/// (<see cref="IntakeOptions.MaxBatchesInFlight"/>), so memory stays flat whatever the mix of clients: with the
/// message size limit, it bounds the bytes of requests in flight. A streaming call waits for a slot before it takes its
/// next batch (HTTP/2 flow control then holds its sender back); a unary call finding no free slot is refused with
/// pushback before its message is read. It does not wait: a waiting call's unread data would hold the connection's
/// HTTP/2 flow-control window, starving the calls that hold slots on the same connection.
/// </summary>
public sealed class IntakeGate(IOptions<IntakeOptions> options)
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxBatchesInFlight, options.Value.MaxBatchesInFlight);

    public int Available => _slots.CurrentCount;

    /// <summary>Waits for a slot as long as the call lasts.</summary>
    public Task EnterAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    /// <summary>Takes a slot when one is free.</summary>
    public bool TryEnter() => _slots.Wait(0);

    public void Exit() => _slots.Release();
}
