using System.Collections.Concurrent;
using Experiments.Contracts.V1;
using Microsoft.Extensions.Options;

namespace Experiments.Sdk.Capture;

/// <summary>
/// The captured exchanges held in the process, bounded in bytes by <see cref="CaptureOptions.StorageBudgetBytes"/>: an
/// exchange's bytes count from when it is added until its batch is delivered or dropped, so a sender that is retrying
/// makes new exchanges be dropped rather than memory grow. Adding never waits.
/// </summary>
internal sealed class CaptureBuffer(IOptions<ExperimentsOptions> options)
{
    private readonly ConcurrentQueue<(CapturedExchange Exchange, int Size)> _queue = new();
    private readonly long _budget = Math.Max(0, options.Value.Capture.StorageBudgetBytes);
    private long _bytes;
    private TaskCompletionSource? _waiter;

    /// <summary>Bytes held, waiting or being sent.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    public int Count => _queue.Count;

    public bool TryEnqueue(CapturedExchange exchange)
    {
        var size = exchange.CalculateSize();
        if (Interlocked.Add(ref _bytes, size) > _budget)
        {
            Interlocked.Add(ref _bytes, -size);
            return false;
        }
        _queue.Enqueue((exchange, size));
        Interlocked.Exchange(ref _waiter, null)?.TrySetResult();
        return true;
    }

    /// <summary>The next exchange and its size; its bytes stay counted until <see cref="Release"/>.</summary>
    public bool TryDequeue(out CapturedExchange exchange, out int size)
    {
        if (_queue.TryDequeue(out var item))
        {
            (exchange, size) = item;
            return true;
        }
        (exchange, size) = (null!, 0);
        return false;
    }

    /// <summary>Only peeks: the size of the next exchange, or -1 when there is none.</summary>
    public int PeekSize() => _queue.TryPeek(out var item) ? item.Size : -1;

    public void Release(long bytes) => Interlocked.Add(ref _bytes, -bytes);

    /// <summary>Completes when an exchange arrives (at once if one is waiting), or when cancelled.</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _waiter, waiter);
        return _queue.IsEmpty ? waiter.Task.WaitAsync(cancellationToken) : Task.CompletedTask;
    }
}
