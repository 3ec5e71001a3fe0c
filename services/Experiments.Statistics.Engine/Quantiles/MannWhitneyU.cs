using Experiments.Statistics.Engine.Histograms;
using MathNet.Numerics;

namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>
/// The Mann–Whitney U test for a distribution shift between two independent samples, two-sided, with the normal
/// approximation and tie correction exactly as scipy.stats.mannwhitneyu(method='asymptotic') computes it.
/// </summary>
/// <remarks>
/// On histograms every bucket is one tie group (DESIGN §5), which is the raw test applied to values rounded to
/// their bucket: pairs in different buckets keep their order, so U moves by at most ½ per pair that shares a
/// bucket, and such pairs are within a factor γ ≈ 1.02 of each other.
/// </remarks>
public static class MannWhitneyU
{
    /// <summary>The test on raw samples, O(n log n).</summary>
    /// <exception cref="ArgumentException">A sample is empty or holds NaN.</exception>
    public static MannWhitneyResult Test(ReadOnlySpan<double> x, ReadOnlySpan<double> y, bool useContinuity = true)
    {
        if (x.IsEmpty || y.IsEmpty)
        {
            throw new ArgumentException("Both samples need at least one value.");
        }
        var sortedX = Sorted(x, nameof(x));
        var sortedY = Sorted(y, nameof(y));
        // Walk the distinct values of x ∪ y in order; each is a tie group of cx values of x and cy of y.
        Int128 twiceU = 0;
        double tieTerm = 0;
        long yBelow = 0;
        int i = 0, j = 0;
        while (i < sortedX.Length || j < sortedY.Length)
        {
            var value = j >= sortedY.Length || (i < sortedX.Length && sortedX[i] <= sortedY[j]) ? sortedX[i] : sortedY[j];
            long cx = 0, cy = 0;
            while (i < sortedX.Length && sortedX[i] == value)
            {
                cx++;
                i++;
            }
            while (j < sortedY.Length && sortedY[j] == value)
            {
                cy++;
                j++;
            }
            twiceU += (Int128)cx * (2 * yBelow + cy);
            tieTerm += TieTerm(cx + cy);
            yBelow += cy;
        }
        return Result(twiceU, tieTerm, x.Length, y.Length, useContinuity);
    }

    /// <summary>The test on histograms, each bucket a tie group; O(buckets).</summary>
    /// <exception cref="ArgumentException">A histogram is empty.</exception>
    public static MannWhitneyResult Test(LogHistogram x, LogHistogram y, bool useContinuity = true)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count == 0 || y.Count == 0)
        {
            throw new ArgumentException("Both histograms need at least one value.");
        }
        Span<long> countsX = new long[BucketStore.SlotCount];
        Span<long> countsY = new long[BucketStore.SlotCount];
        x.CopyCountsTo(countsX);
        y.CopyCountsTo(countsY);
        Int128 twiceU = 0;
        double tieTerm = 0;
        long yBelow = 0;
        for (var slot = 0; slot < BucketStore.SlotCount; slot++)
        {
            long cx = countsX[slot], cy = countsY[slot];
            twiceU += (Int128)cx * (2 * yBelow + cy);
            tieTerm += TieTerm(cx + cy);
            yBelow += cy;
        }
        return Result(twiceU, tieTerm, x.Count, y.Count, useContinuity);
    }

    /// <summary>σ_U with tie correction; <paramref name="tieTerm"/> = Σ(t³ - t) over tie groups.</summary>
    internal static double StandardDeviation(long n1, long n2, double tieTerm)
    {
        // Same grouping as scipy's _get_mwu_z so results agree to rounding.
        double n = n1 + n2;
        return Math.Sqrt((double)n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1))));
    }

    internal static double TieTerm(long t) => (double)t * t * t - t;

    private static MannWhitneyResult Result(Int128 twiceU, double tieTerm, long n1, long n2, bool useContinuity)
    {
        var u = (double)twiceU / 2;
        var mean = (double)n1 * n2 / 2;
        var sd = StandardDeviation(n1, n2, tieTerm);
        // scipy uses U = max(U1, U2) for the two-sided test, i.e. |U1 - mean| above the mean.
        var distance = Math.Abs(u - mean) - (useContinuity ? 0.5 : 0);
        double z, p;
        if (sd > 0)
        {
            z = distance / sd;
            p = Math.Min(1, SpecialFunctions.Erfc(z / Constants.Sqrt2)); // 2·P(N(0,1) ≥ z)
        }
        else
        {
            // Every value tied: no evidence of a shift.
            z = 0;
            p = 1;
        }
        return new MannWhitneyResult(u, u >= mean ? z : -z, p, n1, n2, sd);
    }

    private static double[] Sorted(ReadOnlySpan<double> values, string name)
    {
        var copy = values.ToArray();
        foreach (var value in copy)
        {
            if (double.IsNaN(value))
            {
                throw new ArgumentException("Samples must not contain NaN.", name);
            }
        }
        Array.Sort(copy);
        return copy;
    }
}
