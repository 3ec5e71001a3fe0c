using System.Runtime.CompilerServices;

namespace Experiments.Statistics.Engine.Histograms;

/// <summary>
/// Bucket counts of one histogram, addressed by slot = bucket index + 1 (0 = zero bucket, last = overflow).
/// Starts sparse (sorted entries packing slot and count in one word, up to <see cref="MaxSparseBuckets"/> distinct
/// buckets) because most per-unit histograms see few distinct latencies; then switches to a dense window that
/// grows towards the fixed range. Memory is bounded either way: at most <see cref="SlotCount"/> counters.
/// One array per histogram in either form keeps an update of a random unit's histogram to two cache misses.
/// </summary>
internal struct BucketStore
{
    public const int SlotCount = LogBucketMapping.BucketCount + 2;
    public const int MaxSparseBuckets = 32;
    private const int MinDenseGrowth = 16;
    private const int CountBits = 53; // slot < 2^11 above, count < 2^53 below
    private const ulong CountMask = (1UL << CountBits) - 1;

    private long[]? _dense;
    private int _denseStart;
    private ulong[]? _sparse; // (slot << 53) | count, sorted by slot
    private int _sparseLength;

    public static BucketStore CreateFullRange() => new() { _dense = new long[SlotCount] };

    public readonly bool IsDense => _dense is not null;

    /// <summary>Counters currently allocated (for memory accounting).</summary>
    public readonly int AllocatedCounters => _dense?.Length ?? _sparse?.Length ?? 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int slot, long count)
    {
        if (_dense is { } dense)
        {
            var position = (uint)(slot - _denseStart);
            if (position < (uint)dense.Length)
            {
                dense[position] += count;
                return;
            }
        }
        AddSlow(slot, count);
    }

    public readonly long Get(int slot)
    {
        if (_dense is { } dense)
        {
            var position = (uint)(slot - _denseStart);
            return position < (uint)dense.Length ? dense[position] : 0;
        }
        var found = FindSparse(slot);
        return found >= 0 ? (long)(_sparse![found] & CountMask) : 0;
    }

    /// <summary>Non-empty buckets in increasing slot order.</summary>
    public readonly Enumerator GetEnumerator() => new(this);

    /// <summary>Lowest and highest non-empty slot, or (-1, -1) when empty.</summary>
    public readonly (int Lowest, int Highest) NonEmptyRange()
    {
        int lowest = -1, highest = -1;
        foreach (var (slot, _) in this)
        {
            if (lowest < 0)
            {
                lowest = slot;
            }
            highest = slot;
        }
        return (lowest, highest);
    }

    public void AddAll(in BucketStore other)
    {
        var (lowest, highest) = other.NonEmptyRange();
        if (lowest < 0)
        {
            return;
        }
        if (_dense is not null || other._dense is not null)
        {
            // One allocation for the whole merge instead of one per newly touched bucket.
            EnsureDenseCovers(lowest, highest);
        }
        foreach (var (slot, count) in other)
        {
            Add(slot, count);
        }
    }

    public readonly BucketStore Clone()
    {
        var copy = this;
        copy._dense = (long[]?)_dense?.Clone();
        copy._sparse = (ulong[]?)_sparse?.Clone();
        return copy;
    }

    private void AddSlow(int slot, long count)
    {
        if (_dense is not null)
        {
            EnsureDenseCovers(slot, slot);
            _dense[slot - _denseStart] += count;
            return;
        }
        _sparse ??= new ulong[4];
        var found = FindSparse(slot);
        if (found >= 0)
        {
            var total = (_sparse[found] & CountMask) + (ulong)count;
            if (total <= CountMask)
            {
                _sparse[found] = (ulong)slot << CountBits | total;
                return;
            }
        }
        else if (_sparseLength < MaxSparseBuckets && (ulong)count <= CountMask)
        {
            if (_sparseLength == _sparse.Length)
            {
                Array.Resize(ref _sparse, _sparseLength * 2);
            }
            var insertAt = ~found;
            Array.Copy(_sparse, insertAt, _sparse, insertAt + 1, _sparseLength - insertAt);
            _sparse[insertAt] = (ulong)slot << CountBits | (ulong)count;
            _sparseLength++;
            return;
        }
        // Too many distinct buckets, or a count too large to pack.
        EnsureDenseCovers(slot, slot);
        _dense![slot - _denseStart] += count;
    }

    /// <summary>Index of the sparse entry for a slot, or the bitwise complement of where it would go.</summary>
    private readonly int FindSparse(int slot)
    {
        int low = 0, high = _sparseLength - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var found = (int)(_sparse![middle] >> CountBits);
            if (found == slot)
            {
                return middle;
            }
            if (found < slot)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return ~low;
    }

    /// <summary>Switches to (or widens) the dense window so it covers [lowest, highest], keeping all counts.</summary>
    private void EnsureDenseCovers(int lowest, int highest)
    {
        int start, end; // window [start, end)
        if (_dense is { } dense)
        {
            if (lowest >= _denseStart && highest < _denseStart + dense.Length)
            {
                return;
            }
            start = _denseStart;
            end = _denseStart + dense.Length;
        }
        else if (_sparseLength > 0)
        {
            start = (int)(_sparse![0] >> CountBits);
            end = (int)(_sparse[_sparseLength - 1] >> CountBits) + 1;
        }
        else
        {
            start = lowest;
            end = highest + 1;
        }
        // Grow by at least half the current width on the side that needs it, so a histogram reaches its final
        // window after a handful of reallocations (amortised O(1) per new bucket).
        var growth = Math.Max(MinDenseGrowth, (end - start) / 2);
        if (lowest < start)
        {
            start = Math.Min(lowest, start - growth);
        }
        if (highest >= end)
        {
            end = Math.Max(highest + 1, end + growth);
        }
        start = Math.Max(0, start);
        end = Math.Min(SlotCount, end);

        var window = new long[end - start];
        if (_dense is { } old)
        {
            Array.Copy(old, 0, window, _denseStart - start, old.Length);
        }
        else
        {
            for (var i = 0; i < _sparseLength; i++)
            {
                var entry = _sparse![i];
                window[(int)(entry >> CountBits) - start] = (long)(entry & CountMask);
            }
            _sparse = null;
            _sparseLength = 0;
        }
        _dense = window;
        _denseStart = start;
    }

    /// <summary>Walks the non-empty buckets in slot order without allocating.</summary>
    public struct Enumerator
    {
        private readonly long[]? _dense;
        private readonly int _denseStart;
        private readonly ulong[]? _sparse;
        private readonly int _length;
        private int _position;

        internal Enumerator(in BucketStore store)
        {
            _dense = store._dense;
            _denseStart = store._denseStart;
            _sparse = store._sparse;
            _length = store._dense?.Length ?? store._sparseLength;
            _position = -1;
        }

        public (int Slot, long Count) Current { get; private set; }

        public readonly Enumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            while (++_position < _length)
            {
                if (_dense is not null)
                {
                    var count = _dense[_position];
                    if (count != 0)
                    {
                        Current = (_position + _denseStart, count);
                        return true;
                    }
                }
                else
                {
                    var entry = _sparse![_position];
                    Current = ((int)(entry >> CountBits), (long)(entry & CountMask));
                    return true;
                }
            }
            return false;
        }
    }
}
