using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.Means;
using Experiments.Statistics.Engine.Tests.Support;
using MathNet.Numerics.Distributions;

namespace Experiments.Statistics.Engine.Tests.Unit.Means;

public sealed class WelchTTestTests
{
    private const double Alpha = 0.05;

    // Sizes, spreads and shifts chosen to cover tiny samples, unequal variances, skewed latency-like data,
    // large experiments (Welch df ~ 10⁴) and a huge effect whose p-value sits near 1e-100.
    private static List<(double[] Control, double[] Treatment)> DataSets()
    {
        var random = new Random(20240611);
        double[] Normal(int n, double mean, double sd) => Enumerable.Range(0, n).Select(_ => MathNet.Numerics.Distributions.Normal.Sample(random, mean, sd)).ToArray();
        double[] LogNormal(int n, double mu, double sigma) => Enumerable.Range(0, n).Select(_ => MathNet.Numerics.Distributions.LogNormal.Sample(random, mu, sigma)).ToArray();
        return
        [
            (Normal(2, 10, 1), Normal(3, 11, 2)),
            (Normal(5, 0, 1), Normal(40, 0.5, 4)),
            (Normal(30, 100, 15), Normal(30, 100, 15)),
            (Normal(12, -3, 0.1), Normal(9, -2.9, 0.5)),
            (LogNormal(200, 3, 1), LogNormal(180, 3.1, 1.2)),
            (LogNormal(1000, 4, 0.8), LogNormal(800, 4, 0.8)),
            (Normal(20000, 250, 60), Normal(15000, 251, 70)),
            (Normal(5000, 100, 10), Normal(5000, 105, 10)),
            (Normal(400, 1, 1), Normal(300, 3.5, 1)),
            (Normal(7, 1e6, 3), Normal(8, 1e6 + 4, 1)),
        ];
    }

    [Fact]
    public void Welch_matches_scipy_ttest_ind_unequal_var()
    {
        var sets = DataSets();
        var reference = PythonReference.Run("""
            from scipy import stats, special, optimize
            from statsmodels.stats.weightstats import ttest_ind as sm_ttest_ind, DescrStatsW, CompareMeans
            alpha = data["alpha"]
            out = []
            for s in data["sets"]:
                c = np.array(s["control"]); t = np.array(s["treatment"])
                # Treatment first so that the statistic is treatment minus control; equal_var=False is Welch.
                r = stats.ttest_ind(t, c, equal_var=False)
                _, _, df = sm_ttest_ind(t, c, usevar="unequal")
                se = math.sqrt(t.var(ddof=1) / len(t) + c.var(ddof=1) / len(c))
                # scipy's t.ppf (CDFLIB cdft) searches its root only to a relative tolerance of about 1e-8 (errors
                # near 2e-9 seen here), so the critical value is found by solving scipy's own t tail (stdtr, which
                # is accurate to ~1e-15) to machine precision.
                q = optimize.brentq(lambda x: special.stdtr(df, -x) - alpha / 2, 0.0, 1e6, xtol=1e-300, rtol=1e-15)
                sm_low, sm_high = CompareMeans(DescrStatsW(t), DescrStatsW(c)).tconfint_diff(alpha=alpha, usevar="unequal")
                out.append(dict(t=r.statistic, p=r.pvalue, df=df, diff=t.mean() - c.mean(), half=q * se,
                                sm_half=(sm_high - sm_low) / 2))
            emit(out)
            """,
            new { alpha = Alpha, sets = sets.Select(s => new { control = s.Control, treatment = s.Treatment }) });

        for (var i = 0; i < sets.Count; i++)
        {
            var result = WelchTTest.Compare(SampleSummary.Of(sets[i].Control), SampleSummary.Of(sets[i].Treatment), Alpha);
            var expected = reference[i]!;
            PythonReference.AssertClose(PythonReference.Number(expected["t"]), result.Statistic, 1e-9, $"set {i} t");
            PythonReference.AssertClose(PythonReference.Number(expected["p"]), result.PValue, 1e-9, $"set {i} p-value");
            PythonReference.AssertClose(PythonReference.Number(expected["df"]), result.DegreesOfFreedom, 1e-9, $"set {i} df");
            PythonReference.AssertClose(PythonReference.Number(expected["diff"]), result.AbsoluteEffect, 1e-9, $"set {i} difference");
            var halfWidth = result.AbsoluteCi.Width / 2;
            PythonReference.AssertClose(PythonReference.Number(expected["half"]), halfWidth, 1e-9, $"set {i} CI half-width");
            // statsmodels' own interval goes through scipy's t.ppf, accurate to ~1e-8 only (see above).
            PythonReference.AssertClose(PythonReference.Number(expected["sm_half"]), halfWidth, 1e-8, $"set {i} statsmodels CI half-width");
            Assert.Equal(result.AbsoluteEffect, (result.AbsoluteCi.Lower + result.AbsoluteCi.Upper) / 2, 1e-9 * Math.Max(1, halfWidth));
        }
    }

    [Fact]
    public void Summary_merged_from_shards_equals_summary_of_all_observations()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 10_000).Select(_ => LogNormal.Sample(random, 5, 1)).ToArray();
        var whole = SampleSummary.Of(values);

        var merged = SampleSummary.Of(values.AsSpan(0, 3_000))
            .Merge(SampleSummary.Of(values.AsSpan(3_000, 6_999)))
            .Merge(default)
            .Merge(SampleSummary.Of(values.AsSpan(9_999)));
        var streamed = values.Aggregate(default(SampleSummary), (summary, value) => summary.Add(value));

        foreach (var candidate in new[] { merged, streamed })
        {
            Assert.Equal(whole.Count, candidate.Count);
            PythonReference.AssertClose(whole.Mean, candidate.Mean, 1e-13, "mean");
            PythonReference.AssertClose(whole.Variance, candidate.Variance, 1e-12, "variance");
        }
    }

    [Fact]
    public void Constant_arms_give_a_certain_answer_instead_of_nan()
    {
        var same = WelchTTest.Compare(new SampleSummary(10, 5, 0), new SampleSummary(12, 5, 0));
        Assert.Equal(1, same.PValue);
        Assert.Equal(0, same.AbsoluteEffect);

        var shifted = WelchTTest.Compare(new SampleSummary(10, 5, 0), new SampleSummary(12, 6, 0));
        Assert.Equal(0, shifted.PValue);
        Assert.Equal(new ConfidenceInterval(1, 1), shifted.AbsoluteCi);
    }

    [Fact]
    public void Fewer_than_two_observations_in_an_arm_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => WelchTTest.Compare(new SampleSummary(1, 5, 0), new SampleSummary(12, 6, 1)));
    }
}
