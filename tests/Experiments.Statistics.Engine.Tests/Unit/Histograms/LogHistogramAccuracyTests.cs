using Experiments.Statistics.Engine.Histograms;
using Experiments.Statistics.Engine.Tests.Support;

namespace Experiments.Statistics.Engine.Tests.Unit.Histograms;

public sealed class LogHistogramAccuracyTests
{
    private static readonly double[] Probabilities =
        [0, 0.0001, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1];

    public static TheoryData<string> Distributions => ["lognormal", "bimodal"];

    [Theory]
    [MemberData(nameof(Distributions))]
    public void Quantiles_are_within_one_percent_of_numpy_quantile_on_the_raw_data(string distribution)
    {
        var values = Sample(distribution);
        var histogram = LatencySamples.ToHistogram(values);
        var reference = NumpyQuantiles(values);

        for (var i = 0; i < Probabilities.Length; i++)
        {
            var exact = PythonReference.Number(reference[i]);
            // The guarantee: each order statistic is replaced by a value within a of it (a = 0.990%), and numpy's
            // linear interpolation between two order statistics keeps that bound.
            PythonReference.AssertClose(exact, histogram.Quantile(Probabilities[i]), LogBucketMapping.RelativeAccuracy,
                $"{distribution} p{Probabilities[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Distributions))]
    public void Interpolated_quantiles_used_for_inference_are_within_one_percent_of_numpy(string distribution)
    {
        // Within-bucket interpolation has no worst-case guarantee below the bucket width (2%), but on smooth data
        // it is far more accurate than a representative; the inference relies on it being within 1%.
        var values = Sample(distribution);
        var histogram = LatencySamples.ToHistogram(values);
        var reference = NumpyQuantiles(values);

        for (var i = 0; i < Probabilities.Length; i++)
        {
            var exact = PythonReference.Number(reference[i]);
            var interpolated = histogram.ValueAtRank(Probabilities[i] * histogram.Count);
            PythonReference.AssertClose(exact, interpolated, 0.01, $"{distribution} p{Probabilities[i]}");
        }
    }

    [Fact]
    public void Extreme_quantiles_are_the_exact_min_and_max()
    {
        var values = Sample("lognormal");
        var histogram = LatencySamples.ToHistogram(values);
        Assert.Equal(values.Min(), histogram.Quantile(0));
        Assert.Equal(values.Max(), histogram.Quantile(1));
        Assert.Equal(values.Min(), histogram.Min);
        Assert.Equal(values.Max(), histogram.Max);
        Assert.Equal(values.Length, histogram.Count);
    }

    [Fact]
    public void Cdf_points_count_the_values_below_each_bucket_upper_bound()
    {
        var values = Sample("bimodal");
        var histogram = LatencySamples.ToHistogram(values);
        var cdf = histogram.GetCdf();
        Array.Sort(values);

        Assert.Equal(histogram.GetBuckets().Count, cdf.Count);
        foreach (var point in cdf)
        {
            // Counted directly on the raw data.
            var below = values.Count(v => v < point.UpperBound);
            Assert.Equal(below, point.CumulativeCount);
            Assert.Equal((double)below / values.Length, point.CumulativeFraction, 15);
        }
        Assert.Equal(values.Length, cdf[^1].CumulativeCount);
    }

    [Fact]
    public void Empty_histogram_has_no_quantiles()
    {
        var histogram = new LogHistogram();
        Assert.Equal(0, histogram.Count);
        Assert.True(double.IsNaN(histogram.Quantile(0.5)));
        Assert.True(double.IsNaN(histogram.Min));
        Assert.Empty(histogram.GetCdf());
    }

    [Fact]
    public void Zero_and_overflow_latencies_are_counted_apart()
    {
        var histogram = new LogHistogram();
        histogram.Add(0, 3);
        histogram.Add(0.0005);
        histogram.Add(12);
        histogram.Add(5_000_000, 2);
        Assert.Equal(4, histogram.ZeroCount);
        Assert.Equal(2, histogram.OverflowCount);
        Assert.Equal(7, histogram.Count);
        Assert.Equal(0, histogram.Quantile(0));
        Assert.Equal(5_000_000, histogram.Quantile(1));
        // Inside the overflow bucket only its lower bound is known (and the exact max for the top rank).
        Assert.InRange(histogram.Quantile(0.9), LogBucketMapping.MaxTrackable, 5_000_000);
    }

    internal static double[] Sample(string distribution)
    {
        var random = new Random(distribution == "lognormal" ? 11 : 12);
        return distribution == "lognormal"
            ? LatencySamples.LogNormal(random, 150_000, Math.Log(20), 1.0)
            : LatencySamples.Bimodal(random, 150_000);
    }

    private static System.Text.Json.Nodes.JsonArray NumpyQuantiles(double[] values) =>
        PythonReference.Run("emit([float(np.quantile(np.array(data['values']), q)) for q in data['q']])",
            new { values, q = Probabilities }).AsArray();
}
