using Experiments.Statistics.Engine.SampleRatio;
using Experiments.Statistics.Engine.Tests.Support;

namespace Experiments.Statistics.Engine.Tests.Unit.SampleRatio;

public sealed class SampleRatioMismatchTestTests
{
    private static List<(long[] Observed, double[] Weights)> DataSets()
    {
        var random = new Random(2019);
        var sets = new List<(long[], double[])>
        {
            ([5_000, 5_000], [50, 50]),
            ([50_421, 49_579], [1, 1]),
            ([10_500, 10_000], [1, 1]),                  // p ≈ 5e-4: a mismatch
            ([1_000_000, 1_010_000], [0.5, 0.5]),
            ([9_100, 900], [90, 10]),
            ([33_400, 33_300, 33_300], [1, 1, 1]),
            ([20_000, 20_500, 40_100, 19_400], [20, 20, 40, 20]),
            ([700_000, 300_000, 50_000], [0.7, 0.25, 0.05]), // p far below 1e-300
            ([3, 9], [1, 1]),
        };
        for (var i = 0; i < 6; i++)
        {
            var arms = random.Next(2, 7);
            var weights = Enumerable.Range(0, arms).Select(_ => 0.1 + random.NextDouble()).ToArray();
            var total = random.Next(100, 2_000_000);
            var sum = weights.Sum();
            // Poisson counts around the configured split, sometimes with one arm leaking 1%.
            var observed = weights.Select((w, a) => (long)MathNet.Numerics.Distributions.Poisson.Sample(random, total * w / sum * (a == 0 && i % 2 == 1 ? 0.99 : 1))).ToArray();
            sets.Add((observed, weights));
        }
        return sets;
    }

    [Fact]
    public void Srm_matches_scipy_chisquare_against_configured_weights()
    {
        var sets = DataSets();
        var reference = PythonReference.Run("""
            from scipy import stats
            out = []
            for s in data:
                observed = np.array(s["observed"], dtype=float)
                weights = np.array(s["weights"], dtype=float)
                expected = observed.sum() * weights / weights.sum()
                # Goodness of fit against the configured split: chisquare, not chi2_contingency (which tests
                # independence and applies Yates' correction to 2x2 tables by default).
                r = stats.chisquare(observed, f_exp=expected)
                out.append(dict(chi2=r.statistic, p=r.pvalue))
            emit(out)
            """,
            sets.Select(s => new { observed = s.Observed, weights = s.Weights }));

        for (var i = 0; i < sets.Count; i++)
        {
            var result = SampleRatioMismatchTest.Test(sets[i].Observed, sets[i].Weights);
            var p = PythonReference.Number(reference[i]!["p"]);
            PythonReference.AssertClose(PythonReference.Number(reference[i]!["chi2"]), result.ChiSquare, 1e-9, $"set {i} chi-square");
            PythonReference.AssertClose(p, result.PValue, 1e-9, $"set {i} p-value");
            Assert.Equal(sets[i].Observed.Length - 1, result.DegreesOfFreedom);
            Assert.Equal(p < 0.001, result.IsMismatch);
        }
    }

    [Fact]
    public void Srm_is_flagged_below_p_0_001_and_not_above()
    {
        Assert.True(SampleRatioMismatchTest.Test([10_500, 10_000], [1, 1]).IsMismatch);
        Assert.False(SampleRatioMismatchTest.Test([10_100, 10_000], [1, 1]).IsMismatch);
    }

    [Fact]
    public void Units_in_an_arm_with_zero_weight_are_a_mismatch_and_an_empty_one_is_ignored()
    {
        var leaked = SampleRatioMismatchTest.Test([5_000, 5_000, 3], [1, 1, 0]);
        Assert.True(leaked.IsMismatch);
        Assert.Equal(0, leaked.PValue);

        var ignored = SampleRatioMismatchTest.Test([5_000, 5_000, 0], [1, 1, 0]);
        Assert.False(ignored.IsMismatch);
        Assert.Equal(1, ignored.DegreesOfFreedom);
    }

    [Fact]
    public void No_exposures_is_no_evidence_of_mismatch()
    {
        var result = SampleRatioMismatchTest.Test([0, 0], [1, 1]);
        Assert.Equal(1, result.PValue);
        Assert.False(result.IsMismatch);
    }
}
