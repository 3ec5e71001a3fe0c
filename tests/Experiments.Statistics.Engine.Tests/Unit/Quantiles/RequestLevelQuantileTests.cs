using Experiments.Statistics.Engine.Quantiles;
using Experiments.Statistics.Engine.Tests.Support;
using Experiments.Statistics.Engine.Tests.Unit.Histograms;

namespace Experiments.Statistics.Engine.Tests.Unit.Quantiles;

public sealed class RequestLevelQuantileTests
{
    [Fact]
    public void Standard_error_matches_the_asymptotic_variance_of_the_sample_quantile()
    {
        // √(p(1-p)/n) / f(ξ_p) for a log-normal, density from scipy. The outer interval estimates f from the
        // ≈ 2·1.96·√(np(1-p)) requests it spans (≥ 390 here), so it is within ~5% of the formula; we allow 10%.
        const int n = 1_000_000;
        var histogram = LatencySamples.ToHistogram(LatencySamples.LogNormal(new Random(31), n, 3, 1));
        double[] probabilities = [0.5, 0.9, 0.99];
        var reference = PythonReference.Run("""
            from scipy.stats import lognorm
            d = lognorm(s=1.0, scale=math.exp(3.0))
            emit([math.sqrt(p * (1 - p) / data["n"]) / d.pdf(d.ppf(p)) for p in data["p"]])
            """,
            new { n, p = probabilities }).AsArray();

        for (var i = 0; i < probabilities.Length; i++)
        {
            var estimate = RequestLevelQuantile.Estimate(histogram, probabilities[i]);
            PythonReference.AssertClose(PythonReference.Number(reference[i]), estimate.StandardError, 0.10, $"p{probabilities[i]} SE");
            Assert.True(estimate.Ci.Contains(estimate.Estimate));
            Assert.Equal(n, estimate.Units);
        }
    }

    [Fact]
    public void Difference_of_identical_arms_is_not_quantized_to_the_bucket_width()
    {
        // Two large samples of one distribution: their sample medians differ by ~0.1%, far below a bucket (2%).
        // Reading quantiles as bucket representatives would make that difference 0 or ±2% — a false positive at
        // z ≈ 10; the interpolated estimate keeps the difference, and the test, continuous.
        var random = new Random(41);
        var differences = new List<double>();
        var significant = 0;
        for (var r = 0; r < 40; r++)
        {
            var control = LatencySamples.ToHistogram(LatencySamples.LogNormal(random, 50_000, 3, 0.5));
            var treatment = LatencySamples.ToHistogram(LatencySamples.LogNormal(random, 50_000, 3, 0.5));
            var result = QuantileDifference.Compare(RequestLevelQuantile.Estimate(control, 0.5), RequestLevelQuantile.Estimate(treatment, 0.5));
            differences.Add(result.RelativeEffect);
            significant += result.PValue < 0.05 ? 1 : 0;
        }
        Assert.True(differences.Distinct().Count() > 30, "differences take many values, not a few bucket steps");
        Assert.True(differences.Max(Math.Abs) < 0.01);
        Assert.True(significant <= 6, $"{significant} of 40 A/A comparisons significant");
    }

    [Fact]
    public void Relative_effect_and_its_interval_follow_from_the_arms()
    {
        var random = new Random(43);
        var control = LatencySamples.ToHistogram(LatencySamples.LogNormal(random, 100_000, 3, 0.5));
        var treatment = LatencySamples.ToHistogram(LatencySamples.LogNormal(random, 100_000, 3 + Math.Log(1.05), 0.5));
        var c = RequestLevelQuantile.Estimate(control, 0.95);
        var t = RequestLevelQuantile.Estimate(treatment, 0.95);

        var result = QuantileDifference.Compare(c, t);

        Assert.Equal(t.Estimate - c.Estimate, result.AbsoluteEffect);
        Assert.Equal(result.AbsoluteEffect / c.Estimate, result.RelativeEffect);
        Assert.True(result.RelativeCi.Contains(0.05), $"relative CI [{result.RelativeCi.Lower:G4}, {result.RelativeCi.Upper:G4}]");
        Assert.True(result.PValue < 1e-6);
        Assert.Equal(100_000, result.ControlN);
    }

    [Fact]
    public void Quantile_difference_reports_the_z_statistic_behind_its_p_value()
    {
        var random = new Random(44);
        var c = RequestLevelQuantile.Estimate(LatencySamples.ToHistogram(LatencySamples.LogNormal(random, 2_000, 3, 0.5)), 0.99);
        var t = RequestLevelQuantile.Estimate(LatencySamples.ToHistogram(LatencySamples.LogNormal(random, 2_000, 3.05, 0.5)), 0.99);

        var result = QuantileDifference.Compare(c, t);
        var reference = PythonReference.Run("""
            from scipy import stats
            d, se_c, se_t = data
            z = d / math.sqrt(se_c**2 + se_t**2)
            emit(dict(z=z, p=2 * stats.norm.sf(abs(z))))
            """, new[] { t.Estimate - c.Estimate, c.StandardError, t.StandardError });

        PythonReference.AssertClose(PythonReference.Number(reference["z"]), result.Statistic, 1e-12, "z");
        PythonReference.AssertClose(PythonReference.Number(reference["p"]), result.PValue, 1e-9, "p");
    }
}
