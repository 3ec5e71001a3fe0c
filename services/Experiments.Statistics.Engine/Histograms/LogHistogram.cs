using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Experiments.Statistics.Engine.Histograms;

/// <summary>
/// A mergeable histogram of latencies in milliseconds with logarithmic buckets (DDSketch-style, ≈1% relative
/// accuracy). Every instance uses the same fixed <see cref="LogBucketMapping"/>, so histograms built in different
/// processes or arms merge exactly by adding counts, and merge(a, b) equals the histogram of a ∪ b.
/// </summary>
/// <remarks>
/// <para>
/// Range: 0.977 µs to 69.9 min in 1,120 buckets (see <see cref="LogBucketMapping"/>); smaller values (and zero)
/// are counted in a zero bucket, larger ones in an overflow bucket. Memory is bounded: a histogram starts sparse
/// (up to 32 distinct buckets, 8 bytes each) and then keeps a dense window of 8-byte counters that never exceeds
/// 1,122 counters (≈9 KB).
/// </para>
/// <para>
/// <see cref="Add(double, long)"/> allocates only when storage grows — a few times over a histogram's life, as the
/// window widens to the observed range — and never for a histogram from <see cref="CreatePreallocated"/>.
/// Not thread-safe: keep one per thread or shard and <see cref="Merge"/> them.
/// </para>
/// </remarks>
public sealed class LogHistogram
{
    private BucketStore _store;
    private long _count;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;

    /// <summary>An empty histogram that allocates as it sees new buckets (small for per-unit state).</summary>
    public LogHistogram()
    {
    }

    private LogHistogram(BucketStore store)
    {
        _store = store;
    }

    /// <summary>An empty histogram with the whole range allocated up front (≈9 KB); adding never allocates.</summary>
    public static LogHistogram CreatePreallocated() => new(BucketStore.CreateFullRange());

    /// <summary>Number of values added.</summary>
    public long Count => _count;

    /// <summary>Smallest value added (exact), or NaN when empty.</summary>
    public double Min => _count == 0 ? double.NaN : _min;

    /// <summary>Largest value added (exact), or NaN when empty.</summary>
    public double Max => _count == 0 ? double.NaN : _max;

    /// <summary>Values below <see cref="LogBucketMapping.MinTrackable"/>, zero included.</summary>
    public long ZeroCount => _store.Get(0);

    /// <summary>Values at or above <see cref="LogBucketMapping.MaxTrackable"/>; quantiles that fall there are lower bounds.</summary>
    public long OverflowCount => _store.Get(BucketStore.SlotCount - 1);

    /// <summary>Counters currently allocated, 8 bytes each (for memory accounting).</summary>
    public int AllocatedCounters => _store.AllocatedCounters;

    /// <summary>Adds one latency.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(double valueMs) => Add(valueMs, 1);

    /// <summary>Adds <paramref name="count"/> occurrences of one latency.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite, or the count is negative.</exception>
    public void Add(double valueMs, long count)
    {
        if (count <= 0)
        {
            if (count == 0)
            {
                return;
            }
            ThrowNegativeCount(count);
        }
        var slot = LogBucketMapping.IndexOf(valueMs) + 1;
        _store.Add(slot, count);
        _count = checked(_count + count);
        if (valueMs < _min)
        {
            _min = valueMs;
        }
        if (valueMs > _max)
        {
            _max = valueMs;
        }
    }

    /// <summary>Adds every value of <paramref name="other"/> to this histogram.</summary>
    public void Merge(LogHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._count == 0)
        {
            return;
        }
        var total = checked(_count + other._count);
        _store.AddAll(other._store);
        _count = total;
        _min = Math.Min(_min, other._min);
        _max = Math.Max(_max, other._max);
    }

    /// <summary>A deep copy.</summary>
    public LogHistogram Clone() => new(_store.Clone()) { _count = _count, _min = _min, _max = _max };

    /// <summary>
    /// The <paramref name="q"/>-quantile with the same definition as numpy's default (linear interpolation between
    /// the order statistics at 0-based ranks ⌊q(n-1)⌋ and ⌈q(n-1)⌉), each order statistic replaced by its bucket
    /// representative. Within <see cref="LogBucketMapping.RelativeAccuracy"/> (≈0.99%) of the exact sample quantile
    /// whenever both order statistics lie in the tracked range. NaN when empty.
    /// </summary>
    public double Quantile(double q)
    {
        ValidateProbability(q);
        if (_count == 0)
        {
            return double.NaN;
        }
        // Each representative is within a factor (1 ± a) of its order statistic; a convex combination of the two
        // keeps that bound for the interpolated value, and clamping to the exact [min, max] only moves towards it.
        var h = q * (_count - 1);
        var k = (long)Math.Floor(h);
        var weight = h - k;
        var lower = OrderStatistic(k);
        var value = weight > 0 ? lower + weight * (OrderStatistic(k + 1) - lower) : lower;
        return Math.Clamp(value, _min, _max);
    }

    /// <summary>Non-empty buckets in increasing order.</summary>
    public IReadOnlyList<HistogramBucket> GetBuckets()
    {
        var buckets = new List<HistogramBucket>();
        foreach (var (slot, count) in _store)
        {
            var index = slot - 1;
            buckets.Add(new HistogramBucket(index, LogBucketMapping.LowerBound(index), LogBucketMapping.UpperBound(index), count));
        }
        return buckets;
    }

    /// <summary>The empirical CDF at the upper bound of each non-empty bucket, for plotting.</summary>
    public IReadOnlyList<CdfPoint> GetCdf()
    {
        var points = new List<CdfPoint>();
        long cumulative = 0;
        foreach (var (slot, count) in _store)
        {
            cumulative += count;
            points.Add(new CdfPoint(LogBucketMapping.UpperBound(slot - 1), cumulative, (double)cumulative / _count));
        }
        return points;
    }

    /// <summary>A compact, canonical byte form (varint-encoded bucket deltas and counts) for checkpoints.</summary>
    public byte[] ToBytes()
    {
        var writer = new ArrayBufferWriter<byte>(64);
        WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the byte form of <see cref="ToBytes"/> to <paramref name="writer"/>.</summary>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        LogHistogramFormat.Write(this, writer);
    }

    /// <summary>Reads a histogram written by <see cref="ToBytes"/> or <see cref="WriteTo"/>.</summary>
    /// <exception cref="FormatException">The bytes are not a valid histogram of this format and mapping.</exception>
    public static LogHistogram FromBytes(ReadOnlySpan<byte> bytes) => LogHistogramFormat.Read(bytes);

    /// <summary>Non-empty buckets as (slot = index + 1, count), in increasing order, without allocating.</summary>
    internal BucketStore.Enumerator Slots() => _store.GetEnumerator();

    internal long CountInSlot(int slot) => _store.Get(slot);

    internal static LogHistogram FromParts(BucketStore store, long count, double min, double max) =>
        new(store) { _count = count, _min = min, _max = max };

    /// <summary>Fills <paramref name="slots"/> (length <see cref="BucketStore.SlotCount"/>) with the count of every slot.</summary>
    internal void CopyCountsTo(Span<long> slots)
    {
        slots.Clear();
        foreach (var (slot, count) in _store)
        {
            slots[slot] = count;
        }
    }

    /// <summary>
    /// Where a continuous rank r ∈ [0, n] falls: the bucket whose cumulative counts bracket r, and the fraction of
    /// that bucket's count below r. The histogram must not be empty.
    /// </summary>
    internal BucketPosition Locate(double rank)
    {
        double cumulative = 0;
        var last = new BucketPosition(0, 0);
        foreach (var (slot, count) in _store)
        {
            if (rank <= cumulative + count)
            {
                return new BucketPosition(slot, Math.Clamp((rank - cumulative) / count, 0, 1));
            }
            cumulative += count;
            last = new BucketPosition(slot, 1);
        }
        return last;
    }

    /// <summary>
    /// The value at a position, interpolating within the bucket as if its values were spread log-uniformly
    /// (uniformly in the zero bucket), clamped to the exact [min, max]. Unlike bucket representatives this moves
    /// continuously with the data, so differences between arms are not rounded to whole buckets.
    /// </summary>
    internal double ValueAt(BucketPosition position)
    {
        var index = position.BucketIndex;
        double value;
        if (index == LogBucketMapping.ZeroBucketIndex)
        {
            value = position.Fraction * LogBucketMapping.MinTrackable;
        }
        else if (index == LogBucketMapping.OverflowBucketIndex)
        {
            value = LogBucketMapping.MaxTrackable;
        }
        else
        {
            value = LogBucketMapping.LowerBound(index) * Math.Exp(position.Fraction * LogBucketMapping.LogGamma);
        }
        return Math.Clamp(value, _min, _max);
    }

    /// <summary>The interpolated value at continuous rank r ∈ [0, n] (see <see cref="ValueAt"/>).</summary>
    internal double ValueAtRank(double rank) => ValueAt(Locate(rank));

    /// <summary>Number of values below a position of the same mapping: whole buckets below it plus a fraction of its bucket.</summary>
    internal double CountBelow(BucketPosition position)
    {
        long below = 0;
        foreach (var (slot, count) in _store)
        {
            if (slot >= position.Slot)
            {
                return slot == position.Slot ? below + position.Fraction * count : below;
            }
            below += count;
        }
        return below;
    }

    internal static void ValidateProbability(double q, string name = "q")
    {
        if (!(q >= 0 && q <= 1))
        {
            throw new ArgumentOutOfRangeException(name, q, "A probability must be in [0, 1].");
        }
    }

    /// <summary>The value of 0-based rank k: exact for the min and max, else its bucket's representative.</summary>
    private double OrderStatistic(long k) =>
        k <= 0 ? _min : k >= _count - 1 ? _max : LogBucketMapping.Representative(BucketOfRank(k) - 1);

    /// <summary>Slot of the value with 0-based rank k (k &lt; Count).</summary>
    private int BucketOfRank(long k)
    {
        long cumulative = 0;
        var lastSlot = 0;
        foreach (var (slot, count) in _store)
        {
            cumulative += count;
            lastSlot = slot;
            if (k < cumulative)
            {
                break;
            }
        }
        return lastSlot;
    }

    [DoesNotReturn]
    private static void ThrowNegativeCount(long count) =>
        throw new ArgumentOutOfRangeException(nameof(count), count, "A count must not be negative.");
}
