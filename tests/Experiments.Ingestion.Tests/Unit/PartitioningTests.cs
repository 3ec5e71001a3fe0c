using System.Text;
using Experiments.Ingestion.Forwarding;
using Experiments.Ingestion.Tests.Support;

namespace Experiments.Ingestion.Tests.Unit;

public sealed class PartitioningTests
{
    // First 64-bit half of MurmurHash3_x64_128 as published: mmh3's README (hash64("foo"), unsigned;
    // hash64("foo", 42) = -840311307571801102 as signed) and Appleby's digest of the fox sentence
    // (6c1b07bc7bbc4be3… read little-endian).
    [Theory]
    [InlineData("foo", 0U, 16316970633193145697UL)]
    [InlineData("foo", 42U, 17606432766137750514UL)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0U, 0xe34bbc7bbc071b6cUL)]
    public void The_reference_hash_matches_published_values(string input, uint seed, ulong expected) =>
        Assert.Equal(expected, ReferencePartitioning.Murmur3X64First64(Encoding.UTF8.GetBytes(input), seed));

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(16)]
    public void Events_are_partitioned_by_unit_as_the_reference_computes(int partitionCount)
    {
        var units = new[] { "", "a", "alice", "user-1234567", "ünïcode-ユーザー", new string('x', 16), new string('y', 31), new string('z', 40) };
        foreach (var unit in units)
        {
            foreach (var e in new[] { TestEvents.Request("r", unit), TestEvents.Activity("a", unit), TestEvents.Metric("m", 1, unit) })
            {
                Assert.Equal(ReferencePartitioning.Of(e, partitionCount), Partitioning.PartitionOf(e, partitionCount));
            }
        }
    }
}
