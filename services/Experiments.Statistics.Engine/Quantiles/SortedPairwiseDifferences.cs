namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>
/// Order statistics of the n₁·n₂ differences t_j - c_i of two sorted samples without forming them: counting the
/// differences ≤ d takes one merge-like pass, and the k-th smallest is the least double d whose count reaches k,
/// found by bisection over the ordered set of doubles (≤ 64 passes). Exact: the differences are the
/// floating-point values t_j - c_i themselves, which are monotone in t_j and in -c_i.
/// </summary>
internal sealed class SortedPairwiseDifferences
{
    private readonly double[] _control;
    private readonly double[] _treatment;

    public SortedPairwiseDifferences(double[] sortedControl, double[] sortedTreatment)
    {
        _control = sortedControl;
        _treatment = sortedTreatment;
    }

    public Int128 Count => (Int128)_control.Length * _treatment.Length;

    /// <summary>The k-th smallest difference, 1 ≤ k ≤ <see cref="Count"/>.</summary>
    public double Select(Int128 k)
    {
        var low = OrderedKey(_treatment[0] - _control[^1]);
        var high = OrderedKey(_treatment[^1] - _control[0]);
        while (low < high)
        {
            var middle = (long)(((Int128)low + high) >> 1);
            if (CountAtMost(FromOrderedKey(middle)) >= k)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }
        return FromOrderedKey(low);
    }

    private Int128 CountAtMost(double d)
    {
        // For each t_j the differences ≤ d are those with c_i at or beyond a cut that only moves right as t_j grows.
        Int128 count = 0;
        var cut = 0;
        foreach (var t in _treatment)
        {
            while (cut < _control.Length && t - _control[cut] > d)
            {
                cut++;
            }
            count += _control.Length - cut;
        }
        return count;
    }

    // A long that orders like the double (both zeros map to 0).
    private static long OrderedKey(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        return bits >= 0 ? bits : -(bits & long.MaxValue);
    }

    private static double FromOrderedKey(long key) =>
        BitConverter.Int64BitsToDouble(key >= 0 ? key : -key | long.MinValue);
}
