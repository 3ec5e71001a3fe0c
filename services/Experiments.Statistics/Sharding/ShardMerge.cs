using Experiments.Contracts.V1;
using Experiments.Statistics.Definitions;
using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Verdicts;
using Experiments.Statistics.Verdicts;

namespace Experiments.Statistics.Sharding;

/// <summary>
/// Merges the aggregates of replicas that own disjoint partitions of the units into one verdict: checks that the
/// shards together cover every partition exactly once with the same experiment revision, adds their per-variant
/// aggregates (sums, histograms, clustered curves) and evaluates the merged state like a single replica would.
/// </summary>
internal static class ShardMerge
{
    public const int FormatVersion = 1;

    /// <exception cref="ShardMergeException">The shards cannot be merged into a verdict over all units.</exception>
    /// <param name="earlier">What the coordinator's earlier merged verdicts decided and keep, so a merged ROLL_BACK or SHIP stays too.</param>
    public static (Verdict Verdict, VerdictResult Result) Merge(IReadOnlyList<ShardAggregates> shards, DateTimeOffset now, bool full = false,
        DecisionMemory.Standing? earlier = null)
    {
        if (shards.Count == 0)
        {
            throw new ShardMergeException("no shards to merge");
        }
        var first = shards[0];
        var covered = new HashSet<int>();
        foreach (var shard in shards)
        {
            if (shard.FormatVersion != FormatVersion)
            {
                throw new ShardMergeException($"a shard exported format {shard.FormatVersion}; this replica reads {FormatVersion}");
            }
            if (shard.PartitionCount != first.PartitionCount)
            {
                throw new ShardMergeException($"shards disagree on the partition count ({first.PartitionCount} and {shard.PartitionCount})");
            }
            if (shard.Experiment.Id != first.Experiment.Id || shard.Experiment.Revision != first.Experiment.Revision)
            {
                throw new ShardMergeException($"shards hold different revisions of '{first.Experiment.Id}' ({first.Experiment.Revision} and {shard.Experiment.Revision}); retry once the definitions settle")
                {
                    Transient = true,
                };
            }
            foreach (var partition in shard.OwnedPartitions)
            {
                if (!covered.Add(partition))
                {
                    throw new ShardMergeException($"partition {partition} is owned by more than one shard");
                }
            }
        }
        var missing = Enumerable.Range(0, first.PartitionCount).Where(p => !covered.Contains(p)).ToList();
        if (missing.Count > 0)
        {
            throw new ShardMergeException($"no shard owns partition(s) {string.Join(", ", missing)}");
        }
        var definition = DefinitionMapping.ToDefinition(first.Experiment);
        var merged = ExperimentAggregate.MergeAll(shards.Select(s => ExperimentAggregate.FromBytes(definition, s.Aggregates.Span)));
        var result = VerdictEngine.Evaluate(merged, now, earlier?.Breach, earlier?.Ship);
        var verdict = VerdictMapping.ToProto(result, first.Experiment, merged);
        if (full)
        {
            VerdictMapping.AddHistograms(verdict, merged);
        }
        return (verdict, result);
    }
}

/// <summary>Shards whose aggregates do not add up to the whole experiment.</summary>
internal sealed class ShardMergeException(string message) : Exception(message)
{
    /// <summary>The shards disagree only for now (one has not received the experiment's latest revision yet).</summary>
    public bool Transient { get; init; }
}
