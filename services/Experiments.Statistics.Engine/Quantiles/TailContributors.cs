using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>
/// Ranks units (or clients) by how many of an arm's requests above its p-quantile they account for, from their
/// histograms — one pass, O(units · log top) — so a verdict can say "three clients make up 60% of the p99 tail"
/// instead of trimming them.
/// </summary>
public static class TailContributors
{
    /// <summary>The <paramref name="top"/> largest contributors to the tail above <paramref name="arm"/>'s p-quantile.</summary>
    /// <param name="arm">The arm's histogram (the merge of the units' histograms).</param>
    /// <param name="units">Each unit's or client's histogram.</param>
    /// <param name="top">How many contributors to report.</param>
    /// <param name="probability">Where the tail starts; 0.99 by default.</param>
    /// <typeparam name="TKey">Unit or client identifier.</typeparam>
    public static TailContributorReport<TKey> Rank<TKey>(
        LogHistogram arm, IEnumerable<KeyValuePair<TKey, LogHistogram>> units, int top = 10, double probability = 0.99)
    {
        ArgumentNullException.ThrowIfNull(arm);
        ArgumentNullException.ThrowIfNull(units);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        LogHistogram.ValidateProbability(probability, nameof(probability));
        if (arm.Count == 0)
        {
            return new TailContributorReport<TKey>(probability, double.NaN, double.NaN, 0, 0, []);
        }
        var quantile = arm.Quantile(probability);
        // Whole buckets only, so a tail count is a count of requests, not a pro-rata share of one.
        var firstTailSlot = LogBucketMapping.IndexOf(quantile) + 2;
        var tailRequests = CountFrom(arm, firstTailSlot);

        // A min-heap of the best so far; ties keep the earlier unit, so the report is deterministic.
        var heap = new PriorityQueue<TailContributor<TKey>, (long Tail, long Order)>();
        long unitsInTail = 0, order = 0;
        foreach (var (key, histogram) in units)
        {
            ArgumentNullException.ThrowIfNull(histogram);
            order++;
            var unitTail = CountFrom(histogram, firstTailSlot);
            if (unitTail == 0)
            {
                continue;
            }
            unitsInTail++;
            var priority = (unitTail, -order);
            if (heap.Count < top)
            {
                heap.Enqueue(Contributor(key, unitTail, tailRequests, histogram), priority);
            }
            else if (heap.TryPeek(out _, out var smallest) && priority.CompareTo(smallest) > 0)
            {
                heap.EnqueueDequeue(Contributor(key, unitTail, tailRequests, histogram), priority);
            }
        }
        var ranked = new TailContributor<TKey>[heap.Count];
        for (var i = ranked.Length - 1; i >= 0; i--)
        {
            ranked[i] = heap.Dequeue();
        }
        var tailStart = LogBucketMapping.LowerBound(firstTailSlot - 1);
        return new TailContributorReport<TKey>(probability, quantile, tailStart, tailRequests, unitsInTail, ranked);
    }

    private static TailContributor<TKey> Contributor<TKey>(TKey key, long unitTail, long armTail, LogHistogram histogram) =>
        new(key, unitTail, armTail == 0 ? 0 : (double)unitTail / armTail, histogram.Count);

    private static long CountFrom(LogHistogram histogram, int firstSlot)
    {
        long count = 0;
        foreach (var (slot, bucketCount) in histogram.Slots())
        {
            if (slot >= firstSlot)
            {
                count += bucketCount;
            }
        }
        return count;
    }
}
