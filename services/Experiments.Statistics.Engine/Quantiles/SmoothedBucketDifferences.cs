using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>
/// The distribution of the difference Y - X of a treatment and a control value when each histogram bucket's
/// values are spread uniformly over the bucket (the overflow bucket is a point at its lower bound). Its CDF
/// G(d) = Σ_ij w_i·v_j·P(Y_j - X_i ≤ d) is evaluated in one merge-like pass over the buckets, since only bucket pairs
/// whose difference range straddles d contribute a fraction; quantiles of G come from bisection.
/// </summary>
/// <remarks>
/// Why not the weighted median of differences of bucket representatives: pairs in the same bucket all give a
/// difference of exactly 0, an atom holding ≈0.5% of all pairs for typical latency spreads, so any shift smaller
/// than ~1% of the median latency would read as exactly 0 and larger ones would be pulled towards 0.
/// </remarks>
internal sealed class SmoothedBucketDifferences
{
    private const double Tolerance = 1e-9;

    private readonly Component[] _control;
    private readonly Component[] _treatment;
    private readonly double[] _controlWeightFrom; // Σ weights of control buckets i.. (suffix sums)

    public SmoothedBucketDifferences(LogHistogram control, LogHistogram treatment)
    {
        _control = Components(control);
        _treatment = Components(treatment);
        _controlWeightFrom = new double[_control.Length + 1];
        for (var i = _control.Length - 1; i >= 0; i--)
        {
            _controlWeightFrom[i] = _controlWeightFrom[i + 1] + _control[i].Weight;
        }
        TotalWeight = (double)control.Count * treatment.Count;
    }

    /// <summary>n₁·n₂, the value of G at +∞.</summary>
    public double TotalWeight { get; }

    /// <summary>
    /// The least d with G(d) ≥ <paramref name="target"/> (0 &lt; target &lt; <see cref="TotalWeight"/>), to a
    /// picosecond or 1e-12 relative, far below the histogram's own resolution.
    /// </summary>
    public double Solve(double target)
    {
        var low = _treatment[0].Lower - _control[^1].Upper;
        var high = _treatment[^1].Upper - _control[0].Lower;
        while (high - low > Tolerance + 1e-12 * Math.Max(Math.Abs(low), Math.Abs(high)))
        {
            var middle = low + (high - low) / 2;
            if (middle <= low || middle >= high)
            {
                break;
            }
            if (Cdf(middle) >= target)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }
        return high;
    }

    /// <summary>G(d): the weight of pairs with Y - X ≤ d.</summary>
    public double Cdf(double d)
    {
        double total = 0;
        int zeroEnd = 0, fullStart = 0; // control buckets [0, zeroEnd) contribute 0, [fullStart, ..) all their weight
        foreach (var y in _treatment)
        {
            // Y - X > d for sure when X's upper bound is below y.Lower - d.
            while (zeroEnd < _control.Length && _control[zeroEnd].Upper < y.Lower - d)
            {
                zeroEnd++;
            }
            // Y - X ≤ d for sure when X's lower bound is at least y.Upper - d.
            while (fullStart < _control.Length && _control[fullStart].Lower < y.Upper - d)
            {
                fullStart++;
            }
            var sum = _controlWeightFrom[Math.Max(fullStart, zeroEnd)];
            for (var i = zeroEnd; i < fullStart; i++)
            {
                var x = _control[i];
                sum += x.Weight * DifferenceCdf(x, y, d);
            }
            total += y.Weight * sum;
        }
        return total;
    }

    /// <summary>P(Y - X ≤ d) for independent uniforms (a width may be zero: a point).</summary>
    private static double DifferenceCdf(Component x, Component y, double d)
    {
        // Y - X = (y.Lower - x.Upper) + U₁ + U₂ with U₁ ~ U[0, w₁], U₂ ~ U[0, w₂]: a trapezoid.
        var u = d - (y.Lower - x.Upper);
        var w1 = y.Upper - y.Lower;
        var w2 = x.Upper - x.Lower;
        if (w1 > w2)
        {
            (w1, w2) = (w2, w1);
        }
        if (u < 0)
        {
            return 0;
        }
        if (u >= w1 + w2)
        {
            return 1;
        }
        if (w1 == 0)
        {
            return w2 == 0 ? 1 : u / w2;
        }
        if (u <= w1)
        {
            return u * u / (2 * w1 * w2);
        }
        if (u <= w2)
        {
            return (2 * u - w1) / (2 * w2);
        }
        var rest = w1 + w2 - u;
        return 1 - rest * rest / (2 * w1 * w2);
    }

    private static Component[] Components(LogHistogram histogram)
    {
        var components = new List<Component>();
        foreach (var (slot, count) in histogram.Slots())
        {
            var index = slot - 1;
            var lower = LogBucketMapping.LowerBound(index);
            var upper = index == LogBucketMapping.OverflowBucketIndex ? lower : LogBucketMapping.UpperBound(index);
            components.Add(new Component(lower, upper, count));
        }
        return [.. components];
    }

    private readonly record struct Component(double Lower, double Upper, double Weight);
}
