namespace Experiments.Ingestion.Traffic;

/// <summary>
/// The nearest-rank percentile: the smallest value with at least p% of the values at or below it, i.e. the
/// ⌈p·n/100⌉-th smallest (numpy's <c>percentile(..., method="inverted_cdf")</c>). Always one of the observed values.
/// </summary>
internal static class NearestRank
{
    /// <param name="sorted">Values in ascending order.</param>
    /// <param name="percent">Whole percent, 1..100, so the rank is computed exactly in integers.</param>
    public static double Of(IReadOnlyList<double> sorted, int percent)
    {
        if (sorted.Count == 0)
        {
            return 0;
        }
        var rank = (int)(((long)percent * sorted.Count + 99) / 100);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
