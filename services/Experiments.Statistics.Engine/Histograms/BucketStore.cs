using System.Runtime.CompilerServices;

namespace Experiments.Statistics.Engine.Histograms;

/// <summary>
/// Bucket counts of one histogram, addressed by slot = bucket index + 1 (0 = zero bucket, last = overflow).
/// Starts sparse (sorted slots and counts, up to <see cref="MaxSparseBuckets"/> distinct buckets) because most
/// per-unit histograms see few distinct latencies; then switches to a dense window that grows towards the
/// fixed range. Memory is bounded either way: at most <see cref="SlotCount"/> counters.
/// </summary>
internal struct BucketStore
{
    public const int SlotCount = LogBucketMapping.BucketCount + 2;
    public const int MaxSparseBuckets = 32;
    private const int MinDenseGrowth = 16;

    private long[]? _dense;
    private int _denseStart;
    private int[]? _sparseSlots;
    private long[]? _sparseCounts;
    private int _sparseLength;

    public static BucketStore CreateFullRange() => new() { _dense = new long[SlotCount] };

    public readonly bool IsDense => _dense is not null;

    /// <summary>Counters currently allocated (for memory accounting).</summary>
    public readonly int AllocatedCounters => _dense?.Length ?? _sparseCounts?.Length ?? 0;

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
        if (_sparseSlots is null)
        {
            return 0;
        }
        var found = Array.BinarySearch(_sparseSlots, 0, _sparseLength, slot);
        return found >= 0 ? _sparseCounts![found] : 0;
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
        copy._sparseSlots = (int[]?)_sparseSlots?.Clone();
        copy._sparseCounts = (long[]?)_sparseCounts?.Clone();
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
        _sparseSlots ??= new int[4];
        _sparseCounts ??= new long[4];
        var found = Array.BinarySearch(_sparseSlots, 0, _sparseLength, slot);
        if (found >= 0)
        {
            _sparseCounts[found] += count;
            return;
        }
        if (_sparseLength == _sparseSlots.Length)
        {
            if (_sparseLength >= MaxSparseBuckets)
            {
                EnsureDenseCovers(slot, slot);
                _dense![slot - _denseStart] += count;
                return;
            }
            Array.Resize(ref _sparseSlots, _sparseLength * 2);
            Array.Resize(ref _sparseCounts, _sparseLength * 2);
        }
        var insertAt = ~found;
        Array.Copy(_sparseSlots, insertAt, _sparseSlots, insertAt + 1, _sparseLength - insertAt);
        Array.Copy(_sparseCounts, insertAt, _sparseCounts, insertAt + 1, _sparseLength - insertAt);
        _sparseSlots[insertAt] = slot;
        _sparseCounts[insertAt] = count;
        _sparseLength++;
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
            start = _sparseSlots![0];
            end = _sparseSlots[_sparseLength - 1] + 1;
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
                window[_sparseSlots![i] - start] = _sparseCounts![i];
            }
            _sparseSlots = null;
            _sparseCounts = null;
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
        private readonly int[]? _sparseSlots;
        private readonly long[]? _sparseCounts;
        private readonly int _length;
        private int _position;

        internal Enumerator(in BucketStore store)
        {
            _dense = store._dense;
            _denseStart = store._denseStart;
            _sparseSlots = store._sparseSlots;
            _sparseCounts = store._sparseCounts;
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
                    Current = (_sparseSlots![_position], _sparseCounts![_position]);
                    return true;
                }
            }
            return false;
        }
    }
}
