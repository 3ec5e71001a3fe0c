using Experiments.Statistics.Engine.Quantiles;
using Experiments.Statistics.Engine.Tests.Support;
using Experiments.Statistics.Engine.Tests.Unit.Histograms;

namespace Experiments.Statistics.Engine.Tests.Unit.Quantiles;

public sealed class MannWhitneyUTests
{
    // Latencies rounded to 1 ms or 0.1 ms (heavy ties), a small-sample case, a shift large enough for a p-value
    // far in the tail, and a case where x and y are identical in distribution.
    private static List<(double[] X, double[] Y)> DataSets()
    {
        var random = new Random(20240612);
        double[] Latency(int n, double mu, double sigma, double step) =>
            LatencySamples.Rounded(LatencySamples.LogNormal(random, n, mu, sigma), step);
        return
        [
            (Latency(12, 1, 0.5, 1), Latency(9, 1.2, 0.5, 1)),
            (Latency(400, 2, 0.6, 1), Latency(350, 2, 0.6, 1)),
            (Latency(2_000, 3, 0.8, 1), Latency(2_500, 3.05, 0.8, 1)),
            (Latency(5_000, 1, 0.4, 0.1), Latency(4_000, 1.3, 0.4, 0.1)),
            (Latency(300, 0.5, 0.2, 1), Latency(300, 0.5, 0.2, 1)), // a few tie groups hold everything
            (Latency(20_000, 4, 1, 1), Latency(20_000, 4.02, 1, 1)),
        ];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Raw_test_matches_scipy_mannwhitneyu_asymptotic_on_data_with_many_ties(bool useContinuity)
    {
        var sets = DataSets();
        var reference = PythonReference.Run("""
            from scipy import stats
            out = []
            for s in data["sets"]:
                r = stats.mannwhitneyu(s["x"], s["y"], use_continuity=data["continuity"], alternative="two-sided", method="asymptotic")
                ties = len(s["x"]) + len(s["y"]) - len(np.unique(np.concatenate([s["x"], s["y"]])))
                out.append(dict(u=r.statistic, p=r.pvalue, ties=ties))
            emit(out)
            """,
            new { continuity = useContinuity, sets = sets.Select(s => new { x = s.X, y = s.Y }) }).AsArray();

        for (var i = 0; i < sets.Count; i++)
        {
            var result = MannWhitneyU.Test(sets[i].X, sets[i].Y, useContinuity);
            Assert.True(reference[i]!["ties"]!.GetValue<int>() > sets[i].X.Length / 2, "the data set must be tie-heavy");
            PythonReference.AssertClose(PythonReference.Number(reference[i]!["u"]), result.U, 1e-9, $"set {i} U");
            PythonReference.AssertClose(PythonReference.Number(reference[i]!["p"]), result.PValue, 1e-9, $"set {i} p");
        }
    }

    [Fact]
    public void Z_is_signed_by_which_sample_tends_to_be_larger()
    {
        double[] slow = [5, 6, 7, 8, 9, 10];
        double[] fast = [1, 2, 3, 4, 5, 6];
        Assert.True(MannWhitneyU.Test(slow, fast).Z > 0);
        Assert.True(MannWhitneyU.Test(fast, slow).Z < 0);
        Assert.Equal(MannWhitneyU.Test(slow, fast).PValue, MannWhitneyU.Test(fast, slow).PValue, 15);
    }

    [Fact]
    public void All_values_tied_gives_no_evidence()
    {
        var result = MannWhitneyU.Test([3.0, 3.0, 3.0], [3.0, 3.0]);
        Assert.Equal(3, result.U);
        Assert.Equal(1, result.PValue);
    }

    [Fact]
    public void Probability_of_superiority_is_U_over_the_number_of_pairs()
    {
        // x > y in 3 pairs, x = y in 1 pair (counted half), out of 4.
        var result = MannWhitneyU.Test([2.0, 3.0], [1.0, 2.0]);
        Assert.Equal(3.5, result.U);
        Assert.Equal(3.5 / 4, result.ProbabilityOfSuperiority);
    }
}
