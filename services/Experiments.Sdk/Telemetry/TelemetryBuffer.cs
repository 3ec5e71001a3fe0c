using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Experiments.Sdk.Telemetry;

/// <summary>
/// Bounded multi-producer, single-consumer queue of <see cref="TelemetryEvent"/> structs in one preallocated array
/// (D. Vyukov's bounded queue: a sequence number per cell, one compare-and-swap per enqueue). Enqueueing never
/// waits and never allocates: when the buffer is full the event is dropped and counted.
/// </summary>
internal sealed class TelemetryBuffer
{
    private readonly Cell[] _cells;
    private readonly int _wakeEvery;
    private PaddedLong _enqueuePosition;
    private PaddedLong _dequeuePosition;
    private long _droppedFull;
    private TaskCompletionSource? _waiter;

    public TelemetryBuffer(IOptions<ExperimentsOptions> options)
    {
        Capacity = Math.Max(1, options.Value.BufferCapacity);
        _cells = new Cell[Capacity];
        for (var i = 0; i < _cells.Length; i++)
        {
            _cells[i].Sequence = i;
        }
        _wakeEvery = Math.Clamp(options.Value.MaxBatchSize, 1, Capacity);
    }

    public int Capacity { get; }

    /// <summary>Events dropped because the buffer was full.</summary>
    public long DroppedFull => Volatile.Read(ref _droppedFull);

    /// <summary>Events waiting to be sent (approximate while producers are writing).</summary>
    public int Count => (int)Math.Clamp(Volatile.Read(ref _enqueuePosition.Value) - Volatile.Read(ref _dequeuePosition.Value), 0, Capacity);

    public bool TryEnqueue(in TelemetryEvent item)
    {
        var position = Volatile.Read(ref _enqueuePosition.Value);
        while (true)
        {
            ref var cell = ref _cells[(int)(position % Capacity)];
            var sequence = Volatile.Read(ref cell.Sequence);
            var difference = sequence - position;
            if (difference == 0)
            {
                var seen = Interlocked.CompareExchange(ref _enqueuePosition.Value, position + 1, position);
                if (seen == position)
                {
                    cell.Item = item;
                    Volatile.Write(ref cell.Sequence, position + 1);
                    if ((position + 1) % _wakeEvery == 0)
                    {
                        Wake();
                    }
                    return true;
                }
                position = seen;
            }
            else if (difference < 0)
            {
                Interlocked.Increment(ref _droppedFull);
                return false;
            }
            else
            {
                position = Volatile.Read(ref _enqueuePosition.Value);
            }
        }
    }

    /// <summary>Single consumer only.</summary>
    public bool TryDequeue(out TelemetryEvent item)
    {
        var position = _dequeuePosition.Value;
        ref var cell = ref _cells[(int)(position % Capacity)];
        if (Volatile.Read(ref cell.Sequence) != position + 1)
        {
            item = default;
            return false;
        }
        item = cell.Item;
        cell.Item = default;
        Volatile.Write(ref _dequeuePosition.Value, position + 1);
        Volatile.Write(ref cell.Sequence, position + Capacity);
        return true;
    }

    /// <summary>Completes when a batch's worth of events has arrived since the call, or at once when cancelled.</summary>
    public Task WaitForBatchAsync(CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _waiter, waiter);
        return Count >= _wakeEvery ? Task.CompletedTask : waiter.Task.WaitAsync(cancellationToken);
    }

    private void Wake() => Interlocked.Exchange(ref _waiter, null)?.TrySetResult();

    private struct Cell
    {
        public long Sequence;
        public TelemetryEvent Item;
    }

    /// <summary>Keeps the producers' and the consumer's positions on separate cache lines.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedLong
    {
        [FieldOffset(64)]
        public long Value;
    }
}
