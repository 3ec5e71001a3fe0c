using Experiments.Statistics.Engine.Histograms;
using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>
/// The distribution-free (binomial) confidence interval for a quantile of one arm under request-level
/// randomization: with B ~ Binomial(n, q) the number of observations at or below the true q-quantile,
/// P(X_(l) ≤ ξ_q ≤ X_(u)) = P(l ≤ B ≤ u - 1) for continuous data. Equal tails: l = binom.ppf(α/2, n, q) and
/// u = binom.ppf(1 - α/2, n, q) + 1, so the coverage is at least 1 - α for every sample size.
/// </summary>
public static class OrderStatisticInterval
{
    /// <summary>The ranks of the interval for the <paramref name="q"/>-quantile of <paramref name="n"/> observations.</summary>
    public static OrderStatisticRanks Ranks(long n, double q, double alpha = 0.05)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (!(q > 0 && q < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, "The quantile must be strictly between 0 and 1.");
        }
        ValidateAlpha(alpha);
        var lower = BinomialQuantile.Ppf(alpha / 2, n, q);
        var upper = BinomialQuantile.Ppf(1 - alpha / 2, n, q) + 1;
        var coverage = BinomialQuantile.Cdf(upper - 1, n, q) - BinomialQuantile.Cdf(lower - 1, n, q);
        return new OrderStatisticRanks(lower, upper, coverage);
    }

    /// <summary>The interval read from a sample sorted in increasing order; infinite bounds where a rank falls outside it.</summary>
    public static ConfidenceInterval ForSortedSample(ReadOnlySpan<double> sorted, double q, double alpha = 0.05)
    {
        var ranks = Ranks(sorted.Length, q, alpha);
        var lower = ranks.Lower >= 1 ? sorted[(int)ranks.Lower - 1] : double.NegativeInfinity;
        var upper = ranks.Upper <= sorted.Length ? sorted[(int)ranks.Upper - 1] : double.PositiveInfinity;
        return new ConfidenceInterval(lower, upper);
    }

    /// <summary>
    /// The interval read from a histogram: the order statistic X_(j) is taken at continuous rank j - ½ (the middle
    /// of its unit of mass) within its bucket, so the bounds carry the histogram's ≈1% relative accuracy.
    /// </summary>
    public static ConfidenceInterval ForHistogram(LogHistogram histogram, double q, double alpha = 0.05)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        var n = histogram.Count;
        var ranks = Ranks(n, q, alpha);
        var lower = ranks.Lower >= 1 ? histogram.ValueAtRank(ranks.Lower - 0.5) : double.NegativeInfinity;
        var upper = ranks.Upper <= n ? histogram.ValueAtRank(ranks.Upper - 0.5) : double.PositiveInfinity;
        return new ConfidenceInterval(lower, upper);
    }

    internal static void ValidateAlpha(double alpha)
    {
        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Alpha must be strictly between 0 and 1.");
        }
    }
}
