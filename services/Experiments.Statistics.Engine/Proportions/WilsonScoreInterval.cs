using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Proportions;

/// <summary>
/// Wilson's score interval for one proportion, as statsmodels proportion_confint(method='wilson'):
/// it stays inside [0, 1] and keeps its coverage at small counts, where the Wald interval collapses.
/// </summary>
public static class WilsonScoreInterval
{
    /// <summary>The two-sided interval at level 1 − <paramref name="alpha"/> for the rate of <paramref name="counts"/>.</summary>
    public static ConfidenceInterval Of(BinomialCounts counts, double alpha = 0.05)
    {
        SignificanceLevel.Validate(alpha);
        ProportionArguments.RequireTrials(counts, nameof(counts));
        var z = StandardNormal.UpperQuantile(alpha / 2);
        var z2 = z * z;
        double n = counts.Trials;
        var p = counts.Rate;
        var denominator = 1 + z2 / n;
        var center = (p + z2 / (2 * n)) / denominator;
        var halfWidth = z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
        return ConfidenceInterval.Around(center, halfWidth);
    }
}
