namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>Which units or clients dominate an arm's tail — reported, never removed (DESIGN §5).</summary>
/// <param name="Probability">The quantile that starts the tail (0.99 for p99).</param>
/// <param name="Quantile">The arm's quantile at <paramref name="Probability"/>, in milliseconds.</param>
/// <param name="TailStart">
/// Requests at or above this latency count as tail: the upper bound of the bucket holding the quantile, so every
/// counted request is slower than the quantile by the histogram's resolution.
/// </param>
/// <param name="TailRequests">The arm's requests in the tail.</param>
/// <param name="UnitsInTail">Units or clients with at least one tail request.</param>
/// <param name="Top">The largest contributors, largest first.</param>
/// <typeparam name="TKey">Unit or client identifier.</typeparam>
public sealed record TailContributorReport<TKey>(
    double Probability,
    double Quantile,
    double TailStart,
    long TailRequests,
    long UnitsInTail,
    IReadOnlyList<TailContributor<TKey>> Top)
{
    /// <summary>Share of the tail that <see cref="Top"/> accounts for together.</summary>
    public double TopShare => Top.Sum(contributor => contributor.Share);
}
