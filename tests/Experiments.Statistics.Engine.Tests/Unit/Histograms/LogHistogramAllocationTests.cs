using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Tests.Unit.Histograms;

public sealed class LogHistogramAllocationTests
{
    [Fact]
    public void Adding_to_a_preallocated_histogram_never_allocates()
    {
        var values = LatencySamples.LogNormal(new Random(1), 100_000, 2, 3); // spans most of the range
        var histogram = LogHistogram.CreatePreallocated();
        AddAll(histogram, values); // the first pass lets tiered compilation settle; it allocates its own bookkeeping

        var before = GC.GetAllocatedBytesForCurrentThread();
        AddAll(histogram, values);
        histogram.Add(0, 5);
        histogram.Add(1e9, 5);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Adding_within_the_range_already_seen_does_not_allocate()
    {
        var values = LatencySamples.LogNormal(new Random(2), 100_000, 3, 1);
        var histogram = new LogHistogram();
        AddAll(histogram, values); // grows the window to the observed range

        var before = GC.GetAllocatedBytesForCurrentThread();
        AddAll(histogram, values);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Memory_is_bounded_by_the_range_whatever_the_number_of_values()
    {
        var histogram = new LogHistogram();
        var random = new Random(3);
        for (var i = 0; i < 1_000_000; i++)
        {
            histogram.Add(LogBucketMapping.MinTrackable * Math.Pow(2, random.NextDouble() * 33));
        }
        Assert.True(histogram.AllocatedCounters <= LogBucketMapping.BucketCount + 2);
    }

    [Fact]
    public void A_unit_with_few_distinct_latencies_stays_sparse()
    {
        // Per-unit state must stay small: 20 requests spread over 100× cost 32 counters at most, not a window.
        var unit = new LogHistogram();
        var random = new Random(4);
        for (var i = 0; i < 20; i++)
        {
            unit.Add(1 + 99 * random.NextDouble());
        }
        Assert.True(unit.AllocatedCounters <= 32, $"{unit.AllocatedCounters} counters");
    }

    private static void AddAll(LogHistogram histogram, double[] values)
    {
        foreach (var value in values)
        {
            histogram.Add(value);
        }
    }
}
