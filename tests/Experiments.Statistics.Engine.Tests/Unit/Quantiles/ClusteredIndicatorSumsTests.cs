using Experiments.Statistics.Engine.Histograms;
using Experiments.Statistics.Engine.Quantiles;
using Experiments.Statistics.Engine.Tests.Support;
using Experiments.Statistics.Engine.Tests.Unit.Histograms;

namespace Experiments.Statistics.Engine.Tests.Unit.Quantiles;

public sealed class ClusteredIndicatorSumsTests
{
    [Fact]
    public void Variance_matches_the_delta_method_for_a_ratio_of_unit_sums()
    {
        // Deng, Knoblich & Lu (2018), eq. for Var(S̄/N̄): (1/K)(1/μ_N²)(σ_S² - 2(μ_S/μ_N)σ_SN + (μ_S/μ_N)²σ_N²).
        var random = new Random(3);
        var requests = Enumerable.Range(0, 500).Select(_ => (long)random.Next(1, 60)).ToArray();
        var below = requests.Select(n => Math.Round(n * Math.Clamp(0.3 + 0.25 * LatencySamples.StandardNormal(random), 0, 1))).ToArray();
        var reference = PythonReference.Run("""
            S = np.array(data["s"], dtype=float); N = np.array(data["n"], dtype=float); K = len(S)
            mS, mN = S.mean(), N.mean()
            cov = np.cov(S, N, ddof=1)
            emit((cov[0, 0] - 2 * mS / mN * cov[0, 1] + (mS / mN) ** 2 * cov[1, 1]) / (K * mN ** 2))
            """,
            new { s = below, n = requests });

        var sums = new ClusteredIndicatorSums(new QuantileThreshold(0.3, 10, 500, 0.5));
        for (var u = 0; u < requests.Length; u++)
        {
            sums.Add(below[u], requests[u]);
        }

        PythonReference.AssertClose(PythonReference.Number(reference), sums.ProportionVariance(), 1e-10);
    }

    [Fact]
    public void Sums_of_shards_merge_into_the_sums_of_one_pass()
    {
        var random = new Random(4);
        var units = Enumerable.Range(0, 300).Select(_ => LatencySamples.ToHistogram(LatencySamples.LogNormal(random, random.Next(1, 40), 3 + 0.5 * LatencySamples.StandardNormal(random), 0.5))).ToList();
        var arm = new LogHistogram();
        units.ForEach(arm.Merge);
        var threshold = QuantileThreshold.Of(arm, 0.95);

        var whole = new ClusteredIndicatorSums(threshold);
        units.ForEach(whole.Add);
        var shards = Enumerable.Range(0, 3).Select(_ => new ClusteredIndicatorSums(threshold)).ToArray();
        for (var u = 0; u < units.Count; u++)
        {
            shards[u % 3].Add(units[u]);
        }
        shards[0].Merge(shards[1]);
        shards[0].Merge(shards[2]);

        Assert.Equal(whole.Units, shards[0].Units);
        Assert.Equal(whole.Requests, shards[0].Requests);
        PythonReference.AssertClose(whole.RequestsAtOrBelow, shards[0].RequestsAtOrBelow, 1e-12);
        PythonReference.AssertClose(whole.ProportionVariance(), shards[0].ProportionVariance(), 1e-9);
        // The units make up the arm, so their indicator adds up to exactly p·n.
        PythonReference.AssertClose(0.95 * arm.Count, whole.RequestsAtOrBelow, 1e-12);
    }

    [Fact]
    public void A_unit_counts_its_requests_below_the_threshold_up_to_the_threshold_bucket()
    {
        var random = new Random(5);
        var armValues = LatencySamples.LogNormal(random, 10_000, 3, 1);
        var arm = LatencySamples.ToHistogram(armValues);
        var threshold = QuantileThreshold.Of(arm, 0.9);
        var unitValues = LatencySamples.LogNormal(random, 200, 3.5, 1);
        var sums = new ClusteredIndicatorSums(threshold);

        sums.Add(LatencySamples.ToHistogram(unitValues));

        // Counted on the raw values: everything below the threshold's bucket, plus part of that bucket.
        var lower = LogBucketMapping.LowerBound(threshold.BucketIndex);
        var upper = LogBucketMapping.UpperBound(threshold.BucketIndex);
        Assert.InRange(sums.RequestsAtOrBelow, unitValues.Count(v => v < lower), unitValues.Count(v => v < upper));
        Assert.InRange(threshold.Value, lower, upper);
    }

    [Fact]
    public void With_one_request_per_unit_the_clustered_estimate_equals_the_request_level_one()
    {
        var values = LatencySamples.LogNormal(new Random(6), 20_000, 3, 1);
        var units = values.Select(v => LatencySamples.ToHistogram([v])).ToList();

        var clustered = ClusteredQuantile.Estimate(units, 0.9);
        var requestLevel = RequestLevelQuantile.Estimate(LatencySamples.ToHistogram(values), 0.9);

        Assert.Equal(requestLevel.Estimate, clustered.Estimate);
        // Σ(S_u - p̂)²·K/(K-1)/K² = p(1-p)/n up to the K/(K-1) factor and the threshold bucket's fractional S_u.
        PythonReference.AssertClose(requestLevel.StandardError, clustered.StandardError, 0.01);
    }

    [Fact]
    public void Sums_from_units_that_do_not_make_up_the_arm_are_rejected()
    {
        var arm = LatencySamples.ToHistogram([1.0, 2.0, 3.0, 4.0]);
        var sums = new ClusteredIndicatorSums(QuantileThreshold.Of(arm, 0.5));
        sums.Add(LatencySamples.ToHistogram([1.0, 2.0]));
        sums.Add(LatencySamples.ToHistogram([3.0]));
        Assert.Throws<ArgumentException>(() => ClusteredQuantile.Estimate(arm, sums));
    }
}
