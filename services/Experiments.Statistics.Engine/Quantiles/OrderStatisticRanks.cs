namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>
/// 1-based ranks of the order statistics that bound a distribution-free confidence interval for a quantile,
/// [X_(Lower), X_(Upper)]. <paramref name="Lower"/> = 0 means unbounded below, <paramref name="Upper"/> = n + 1
/// unbounded above.
/// </summary>
/// <param name="Lower">Rank of the lower bound.</param>
/// <param name="Upper">Rank of the upper bound.</param>
/// <param name="Coverage">Exact coverage for continuous data, P(Lower ≤ B ≤ Upper - 1) with B ~ Binomial(n, q); at least 1 - α.</param>
public readonly record struct OrderStatisticRanks(long Lower, long Upper, double Coverage);
