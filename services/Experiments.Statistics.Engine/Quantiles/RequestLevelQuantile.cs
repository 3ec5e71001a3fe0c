using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>
/// A quantile of one arm when every request is its own randomization unit (requests independent).
/// </summary>
public static class RequestLevelQuantile
{
    /// <summary>
    /// The p-quantile of <paramref name="arm"/> with the distribution-free binomial interval of
    /// <see cref="OrderStatisticInterval"/>. The standard error (for differences between arms) comes from the
    /// outer interval with the binomial σ_p = √(p(1-p)/n), which is the clustered method with each request its own
    /// cluster.
    /// </summary>
    public static QuantileEstimate Estimate(LogHistogram arm, double probability, double alpha = 0.05)
    {
        OrderStatisticInterval.ValidateAlpha(alpha);
        var threshold = QuantileThreshold.Of(arm, probability);
        var n = arm.Count;
        var ci = OrderStatisticInterval.ForHistogram(arm, probability, alpha);
        var (_, standardError) = OuterInterval.FromProportion(arm, probability, Math.Sqrt(probability * (1 - probability) / n), alpha);
        return new QuantileEstimate(probability, threshold.Value, ci, standardError, n, n,
            "order-statistic (binomial) interval, requests independent");
    }
}
