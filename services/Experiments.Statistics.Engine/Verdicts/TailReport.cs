using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>
/// Who dominates each arm's latency tail: clients (exact, from per-client histograms) and, when per-unit
/// histograms are kept, units (re-ranked at the merged arm's threshold from the shards' candidates).
/// </summary>
internal static class TailReport
{
    public const int Top = 5;

    public static List<TailContributorResult> For(ExperimentAggregate aggregate, int group, double probability)
    {
        var result = new List<TailContributorResult>();
        for (var a = 0; a < aggregate.Definition.Variants.Count; a++)
        {
            var arm = aggregate.Requests[group][a];
            if (arm.Histogram.Count == 0)
            {
                continue;
            }
            var key = aggregate.Definition.Variants[a].Key;
            var quantile = arm.Histogram.Quantile(probability);
            // Whole buckets above the one holding the quantile, as TailContributors counts them.
            var firstSlot = LogBucketMapping.IndexOf(quantile) + 2;
            var threshold = LogBucketMapping.LowerBound(firstSlot - 1);
            var tail = CountFrom(arm.Histogram, firstSlot);
            if (tail == 0)
            {
                continue;
            }
            var clients = arm.Clients
                .Select(c => (Id: c.Key, Tail: CountFrom(c.Value, firstSlot), Requests: c.Value.Count))
                .Where(c => c.Tail > 0)
                .OrderByDescending(c => c.Tail).ThenBy(c => c.Id, StringComparer.Ordinal)
                .Take(Top);
            foreach (var (id, count, requests) in clients)
            {
                result.Add(new TailContributorResult(key, id, null, count, requests, (double)count / tail, threshold));
            }
            var units = arm.TailUnits
                .Select(u => (u.UnitId, Tail: u.CountFrom(firstSlot), u.Requests))
                .Where(u => u.Tail > 0)
                .OrderByDescending(u => u.Tail).ThenBy(u => u.UnitId, StringComparer.Ordinal)
                .Take(Top);
            foreach (var (id, count, requests) in units)
            {
                result.Add(new TailContributorResult(key, null, id, count, requests, (double)count / tail, threshold));
            }
        }
        return result;
    }

    private static long CountFrom(LogHistogram histogram, int firstSlot)
    {
        long count = 0;
        foreach (var (slot, c) in histogram.Slots())
        {
            if (slot >= firstSlot)
            {
                count += c;
            }
        }
        return count;
    }
}
