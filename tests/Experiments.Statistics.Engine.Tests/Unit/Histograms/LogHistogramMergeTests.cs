using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Tests.Unit.Histograms;

public sealed class LogHistogramMergeTests
{
    public static TheoryData<int, int> Sizes => new()
    {
        { 0, 0 },
        { 0, 5 },
        { 3, 4 },          // both sparse
        { 5, 20_000 },     // sparse into dense
        { 20_000, 5 },     // dense into sparse
        { 50_000, 70_000 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Merge_of_two_histograms_equals_the_histogram_of_their_union(int sizeA, int sizeB)
    {
        var random = new Random(sizeA * 31 + sizeB);
        var a = Values(random, sizeA, 1.0);
        var b = Values(random, sizeB, 3.0);

        var merged = LatencySamples.ToHistogram(a);
        merged.Merge(LatencySamples.ToHistogram(b));
        var union = LatencySamples.ToHistogram(a.Concat(b));

        AssertSame(union, merged);
    }

    [Fact]
    public void Merge_is_independent_of_order_and_grouping()
    {
        var random = new Random(5);
        var parts = Enumerable.Range(0, 6).Select(i => LatencySamples.ToHistogram(Values(random, 10 * (i + 1) * (i + 1) * (i + 1), i))).ToArray();

        var forward = new LogHistogram();
        foreach (var part in parts)
        {
            forward.Merge(part);
        }
        var backward = LogHistogram.CreatePreallocated();
        foreach (var part in parts.Reverse())
        {
            backward.Merge(part);
        }
        var left = parts[0].Clone();
        left.Merge(parts[1]);
        left.Merge(parts[2]);
        var right = parts[3].Clone();
        right.Merge(parts[4]);
        right.Merge(parts[5]);
        left.Merge(right);

        AssertSame(forward, backward);
        AssertSame(forward, left);
    }

    [Fact]
    public void Adding_with_a_count_equals_adding_one_at_a_time()
    {
        var once = new LogHistogram();
        var repeated = new LogHistogram();
        foreach (var (value, count) in new[] { (0.0, 2L), (1.5, 7L), (250.0, 1L), (1e7, 3L) })
        {
            once.Add(value, count);
            for (var i = 0; i < count; i++)
            {
                repeated.Add(value);
            }
        }
        AssertSame(repeated, once);
    }

    [Fact]
    public void Counts_too_large_for_a_sparse_entry_are_kept_exactly()
    {
        // Sparse entries pack the count in 53 bits; larger counts move the histogram to dense counters.
        var histogram = new LogHistogram();
        histogram.Add(5, (1L << 53) - 1);
        histogram.Add(7, 2);
        histogram.Add(5, 3);

        var buckets = histogram.GetBuckets();
        Assert.Equal((1L << 53) + 2, buckets[0].Count);
        Assert.Equal(2, buckets[1].Count);
        Assert.Equal((1L << 53) + 4, histogram.Count);
        AssertSame(histogram, LogHistogram.FromBytes(histogram.ToBytes()));
    }

    internal static void AssertSame(LogHistogram expected, LogHistogram actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.GetBuckets(), actual.GetBuckets());
        Assert.Equal(expected.Min, actual.Min);
        Assert.Equal(expected.Max, actual.Max);
        Assert.Equal(expected.ToBytes(), actual.ToBytes());
    }

    // Log-normal around 10^shift ms with some zeros and overflows, so every kind of bucket takes part.
    private static double[] Values(Random random, int n, double shift) =>
        Enumerable.Range(0, n).Select(i => i % 97 == 0 ? 0 : i % 211 == 0 ? 1e8 : Math.Exp(shift * 2.3 + 1.5 * LatencySamples.StandardNormal(random))).ToArray();
}
