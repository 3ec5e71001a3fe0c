using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Tests.Unit.Histograms;

public sealed class LogBucketMappingTests
{
    [Fact]
    public void Every_value_in_range_lies_within_the_bounds_of_its_bucket()
    {
        var random = new Random(7);
        for (var i = 0; i < 200_000; i++)
        {
            // Log-uniform over the whole tracked range.
            var value = LogBucketMapping.MinTrackable * Math.Pow(2, random.NextDouble() * (LogBucketMapping.MaxExponent - LogBucketMapping.MinExponent));
            var index = LogBucketMapping.IndexOf(value);
            Assert.InRange(index, 0, LogBucketMapping.BucketCount - 1);
            Assert.True(LogBucketMapping.LowerBound(index) <= value && value < LogBucketMapping.UpperBound(index), $"{value:R} is not in bucket {index}");
        }
    }

    [Fact]
    public void Each_lower_bound_starts_its_bucket_and_the_double_below_it_belongs_to_the_previous_one()
    {
        for (var index = 0; index < LogBucketMapping.BucketCount; index++)
        {
            var lower = LogBucketMapping.LowerBound(index);
            Assert.Equal(index, LogBucketMapping.IndexOf(lower));
            Assert.Equal(index - 1, LogBucketMapping.IndexOf(Math.BitDecrement(lower)));
        }
        Assert.Equal(LogBucketMapping.OverflowBucketIndex, LogBucketMapping.IndexOf(LogBucketMapping.MaxTrackable));
    }

    [Fact]
    public void Bounds_are_the_powers_of_gamma_from_one_microsecond_to_seventy_minutes()
    {
        for (var index = 0; index <= LogBucketMapping.BucketCount; index++)
        {
            var expected = Math.Pow(2, LogBucketMapping.MinExponent + index / (double)LogBucketMapping.BucketsPerOctave);
            Assert.True(Math.Abs(LogBucketMapping.LowerBound(index) / expected - 1) < 1e-14, $"bucket {index}");
        }
        Assert.True(LogBucketMapping.MinTrackable < 0.001, "covers 1 µs");
        Assert.True(LogBucketMapping.MaxTrackable > 3_600_000, "covers 1 hour");
        Assert.Equal(Math.Pow(2, 1.0 / 35), LogBucketMapping.Gamma, 15);
    }

    [Fact]
    public void Bucket_representative_is_within_one_percent_of_every_value_in_the_bucket()
    {
        Assert.True(LogBucketMapping.RelativeAccuracy <= 0.01);
        for (var index = 0; index < LogBucketMapping.BucketCount; index++)
        {
            var representative = LogBucketMapping.Representative(index);
            var lower = LogBucketMapping.LowerBound(index);
            var upper = LogBucketMapping.UpperBound(index);
            // The worst values of the bucket are its two ends.
            Assert.True(Math.Abs(representative / lower - 1) <= LogBucketMapping.RelativeAccuracy + 1e-15, $"bucket {index} lower");
            Assert.True(Math.Abs(representative / upper - 1) <= LogBucketMapping.RelativeAccuracy + 1e-15, $"bucket {index} upper");
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-300)]
    [InlineData(double.Epsilon)]
    [InlineData(0.0009)]
    public void Zero_and_values_below_a_microsecond_go_to_the_zero_bucket(double value) =>
        Assert.Equal(LogBucketMapping.ZeroBucketIndex, LogBucketMapping.IndexOf(value));

    [Fact]
    public void Negative_zero_counts_as_zero() =>
        Assert.Equal(LogBucketMapping.ZeroBucketIndex, LogBucketMapping.IndexOf(-0.0));

    [Theory]
    [InlineData(4_194_304.0)]
    [InlineData(1e12)]
    [InlineData(double.MaxValue)]
    public void Values_beyond_seventy_minutes_go_to_the_overflow_bucket(double value) =>
        Assert.Equal(LogBucketMapping.OverflowBucketIndex, LogBucketMapping.IndexOf(value));

    [Theory]
    [InlineData(-1.0)]
    [InlineData(-1e-300)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Negative_and_non_finite_latencies_are_rejected(double value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LogBucketMapping.IndexOf(value));
}
