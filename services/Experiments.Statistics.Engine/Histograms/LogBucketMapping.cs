namespace Experiments.Statistics.Engine.Histograms;

/// <summary>
/// The single, fixed value-to-bucket mapping shared by every <see cref="LogHistogram"/>, in every process and
/// every arm, so that histograms merge by adding counts (DDSketch, Masson, Rim &amp; Lee, VLDB 2019).
/// </summary>
/// <remarks>
/// <para>
/// Bucket <c>i</c> (0 ≤ i &lt; <see cref="BucketCount"/>) holds values in
/// [<see cref="MinTrackable"/>·γ^i, <see cref="MinTrackable"/>·γ^(i+1)) with γ = 2^(1/35) ≈ 1.0200, so each octave
/// has exactly 35 buckets and the bucket representative (harmonic mean of its bounds) is within
/// <see cref="RelativeAccuracy"/> ≈ 0.990% of any value in the bucket.
/// </para>
/// <para>
/// Covered range: [2^-10, 2^22) milliseconds, i.e. 0.977 µs to 69.9 minutes, in 1,120 buckets. Values below it
/// (including zero) go to the zero bucket (<see cref="ZeroBucketIndex"/>); values at or above it go to the overflow
/// bucket (<see cref="OverflowBucketIndex"/>), whose representative is <see cref="MaxTrackable"/>, a lower bound.
/// </para>
/// <para>
/// The index is computed from the IEEE-754 bits with integer arithmetic and hard-coded boundary constants, never
/// with <see cref="Math.Log(double)"/>: a logarithm may differ in its last bit between runtimes or CPUs, which would
/// put a value near a boundary into different buckets in different processes.
/// </para>
/// </remarks>
public static class LogBucketMapping
{
    /// <summary>Buckets per doubling of the value; γ = 2^(1/35).</summary>
    public const int BucketsPerOctave = 35;

    /// <summary>log2 of the smallest value with its own bucket.</summary>
    public const int MinExponent = -10;

    /// <summary>log2 of the smallest value that overflows.</summary>
    public const int MaxExponent = 22;

    /// <summary>Number of regular (log-spaced) buckets.</summary>
    public const int BucketCount = (MaxExponent - MinExponent) * BucketsPerOctave;

    /// <summary>Index of the bucket holding zero and every value below <see cref="MinTrackable"/>.</summary>
    public const int ZeroBucketIndex = -1;

    /// <summary>Index of the bucket holding every value at or above <see cref="MaxTrackable"/>.</summary>
    public const int OverflowBucketIndex = BucketCount;

    /// <summary>2^-10 ms ≈ 0.977 µs: the lower bound of bucket 0.</summary>
    public const double MinTrackable = 1.0 / 1024;

    /// <summary>2^22 ms ≈ 69.9 min: the lower bound of the overflow bucket.</summary>
    public const double MaxTrackable = 4_194_304;

    // Static fields are initialised in text order: these come before the properties computed from them.
    private const double TwoTo52 = 4_503_599_627_370_496;
    private const long MantissaMask = (1L << 52) - 1;
    private const int SliceShift = 44; // 256 slices of the mantissa; each holds at most one boundary
    private static readonly long MinTrackableBits = BitConverter.DoubleToInt64Bits(MinTrackable);
    private static readonly long MaxTrackableBits = BitConverter.DoubleToInt64Bits(MaxTrackable);

    // Mantissa bits of the correctly rounded 2^(k/35), k = 0..34, plus a sentinel. Bucket boundaries are these
    // constants scaled by powers of two, so they are bit-identical on every platform.
    private static readonly long[] BoundaryMantissas =
    [
        0x0000000000000L, 0x051ED35254D7BL, 0x0A57DE9C16BC7L, 0x0FABA81D4E5DFL, 0x151AB8C56EEA2L,
        0x1AA59C4115E7DL, 0x204CE10811781L, 0x2611186BAE675L, 0x2BF2D6A54F7DAL, 0x31F2B2E54F85DL,
        0x381147622F886L, 0x3E4F316812C30L, 0x44AD116889E7BL, 0x4B2B8B0AAF3C7L, 0x51CB453B9536CL,
        0x588CEA3F093BEL, 0x5F7127C0AC32AL, 0x6678AEE5629F8L, 0x6DA4345D1E0ADL, 0x74F47075017A0L,
        0x7C6A1F29E2CE6L, 0x8406003B2AE5CL, 0x8BC8D73E16610L, 0x93B36BB158FFFL, 0x9BC68911258C0L,
        0xA402FEEB9C533L, 0xAC69A0F5A241CL, 0xB4FB472022B1AL, 0xBDB8CDADBE120L, 0xC6A31548E794DL,
        0xCFBB031A741A5L, 0xD90180E09C9E4L, 0xE2777D0676770L, 0xEC1DEABBE3C14L, 0xF5F5C20DFE5F2L,
        1L << 52,
    ];

    // For each of the 256 mantissa slices, the bucket within the octave where the slice starts.
    private static readonly byte[] SliceStartBucket = BuildSliceTable();

    /// <summary>Ratio of a bucket's upper to lower bound, 2^(1/35).</summary>
    public static double Gamma { get; } = 1.0 + BoundaryMantissas[1] / TwoTo52;

    /// <summary>Largest relative error of a bucket representative against any value in the bucket, (γ-1)/(γ+1).</summary>
    public static double RelativeAccuracy { get; } = (Gamma - 1) / (Gamma + 1);

    /// <summary>ln γ, the width of every regular bucket on the log scale.</summary>
    internal static double LogGamma { get; } = Math.Log(2) / BucketsPerOctave;

    /// <summary>The bucket index of a latency in milliseconds: -1 (zero bucket) to <see cref="BucketCount"/> (overflow).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
    public static int IndexOf(double value)
    {
        // Bit patterns of positive doubles are ordered like the values, so one unsigned comparison selects the
        // regular range and rejects negatives, NaN and infinities to the slow path.
        var bits = BitConverter.DoubleToInt64Bits(value);
        var offset = bits - MinTrackableBits;
        if ((ulong)offset < (ulong)(MaxTrackableBits - MinTrackableBits))
        {
            var octave = (int)(offset >> 52);
            var mantissa = bits & MantissaMask;
            int bucket = SliceStartBucket[(int)(mantissa >> SliceShift)];
            if (mantissa >= BoundaryMantissas[bucket + 1])
            {
                bucket++;
            }
            return octave * BucketsPerOctave + bucket;
        }
        return IndexOfOutsideRange(value);
    }

    /// <summary>Inclusive lower bound of a bucket.</summary>
    public static double LowerBound(int index)
    {
        if (index <= ZeroBucketIndex)
        {
            return 0;
        }
        if (index >= OverflowBucketIndex)
        {
            return MaxTrackable;
        }
        var octave = index / BucketsPerOctave;
        var bucket = index - octave * BucketsPerOctave;
        var exponentBits = (long)(octave + MinExponent + 1023) << 52;
        return BitConverter.Int64BitsToDouble(exponentBits | BoundaryMantissas[bucket]);
    }

    /// <summary>Exclusive upper bound of a bucket (+∞ for the overflow bucket).</summary>
    public static double UpperBound(int index) =>
        index >= OverflowBucketIndex ? double.PositiveInfinity : LowerBound(index + 1);

    /// <summary>
    /// The value reported for a bucket: 2LU/(L+U), which is within <see cref="RelativeAccuracy"/> of every value
    /// in [L, U); 0 for the zero bucket and <see cref="MaxTrackable"/> (a lower bound) for the overflow bucket.
    /// </summary>
    public static double Representative(int index)
    {
        if (index <= ZeroBucketIndex)
        {
            return 0;
        }
        if (index >= OverflowBucketIndex)
        {
            return MaxTrackable;
        }
        var lower = LowerBound(index);
        var upper = LowerBound(index + 1);
        return 2 * lower * upper / (lower + upper);
    }

    private static int IndexOfOutsideRange(double value)
    {
        // -0.0 compares equal to 0 and lands here because its sign bit is set.
        if (value >= 0 && value < MinTrackable)
        {
            return ZeroBucketIndex;
        }
        if (value >= MaxTrackable && !double.IsPositiveInfinity(value))
        {
            return OverflowBucketIndex;
        }
        throw new ArgumentOutOfRangeException(nameof(value), value, "A latency must be a finite, non-negative number of milliseconds.");
    }

    private static byte[] BuildSliceTable()
    {
        var table = new byte[1 << (52 - SliceShift)];
        var bucket = 0;
        for (var slice = 0; slice < table.Length; slice++)
        {
            var start = (long)slice << SliceShift;
            while (BoundaryMantissas[bucket + 1] <= start)
            {
                bucket++;
            }
            table[slice] = (byte)bucket;
        }
        return table;
    }
}
