using Experiments.Statistics.Engine.Histograms;
using Experiments.Statistics.Engine.Inference;
using MathNet.Numerics.Distributions;

namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>
/// The "outer CI" of Deng, Knoblich &amp; Lu (KDD 2018, §4): a confidence interval for the proportion of requests at or
/// below the quantile, p ± z·σ_p, mapped back to the latency scale by reading the order statistics at ranks
/// n(p ± z·σ_p). This avoids estimating the density f(ξ_p) that the delta method σ_p / f(ξ_p) would need, and its
/// width gives the quantile's standard error, (upper - lower) / (2z).
/// </summary>
internal static class OuterInterval
{
    public static (ConfidenceInterval Ci, double StandardError) FromProportion(
        LogHistogram arm, double probability, double proportionStandardError, double alpha)
    {
        var z = Normal.InvCDF(0, 1, 1 - alpha / 2);
        var n = arm.Count;
        var lowerProbability = probability - z * proportionStandardError;
        var upperProbability = probability + z * proportionStandardError;
        var lower = lowerProbability >= 0 ? arm.ValueAtRank(lowerProbability * n) : double.NegativeInfinity;
        var upper = upperProbability <= 1 ? arm.ValueAtRank(upperProbability * n) : double.PositiveInfinity;
        var standardError = (upper - lower) / (2 * z);
        return (new ConfidenceInterval(lower, upper), standardError);
    }
}
