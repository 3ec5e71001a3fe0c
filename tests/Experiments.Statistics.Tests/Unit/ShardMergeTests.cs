using Experiments.Contracts.V1;
using Experiments.Statistics.Sharding;
using Experiments.Statistics.Tests.Support;
using Google.Protobuf;

namespace Experiments.Statistics.Tests.Unit;

public sealed class ShardMergeTests
{
    private static ShardAggregates Shard(long revision, int count, params int[] owned)
    {
        var shard = new ShardAggregates
        {
            Experiment = TestExperiments.Latency("exp-1", revision: revision), PartitionCount = count, FormatVersion = ShardMerge.FormatVersion,
            Aggregates = ByteString.Empty,
        };
        shard.OwnedPartitions.AddRange(owned);
        return shard;
    }

    [Theory]
    [InlineData("partition 1 is owned by more than one shard", 1, 4, new[] { 0, 1 }, 1, 4, new[] { 1, 2, 3 })]
    [InlineData("no shard owns partition(s) 3", 1, 4, new[] { 0, 1 }, 1, 4, new[] { 2 })]
    [InlineData("disagree on the partition count", 1, 4, new[] { 0, 1 }, 1, 2, new[] { 1 })]
    [InlineData("different revisions", 1, 2, new[] { 0 }, 2, 2, new[] { 1 })]
    public void Shards_that_do_not_add_up_to_the_whole_experiment_are_refused(string problem, long r1, int c1, int[] p1, long r2, int c2, int[] p2)
    {
        var error = Assert.Throws<ShardMergeException>(() => ShardMerge.Merge([Shard(r1, c1, p1), Shard(r2, c2, p2)], DateTimeOffset.UtcNow).Verdict);

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }
}
