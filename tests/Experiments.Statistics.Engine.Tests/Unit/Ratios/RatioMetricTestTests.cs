using Experiments.Statistics.Engine.Ratios;
using Experiments.Statistics.Engine.Tests.Support;
using MathNet.Numerics.Distributions;

namespace Experiments.Statistics.Engine.Tests.Unit.Ratios;

public sealed class RatioMetricTestTests
{
    private const double Alpha = 0.05;

    private sealed record Units(double[] Numerators, double[] Denominators)
    {
        public RatioMetricStatistics Statistics(int from = 0, int? to = null)
        {
            var statistics = default(RatioMetricStatistics);
            for (var i = from; i < (to ?? Numerators.Length); i++)
            {
                statistics = statistics.Add(Numerators[i], Denominators[i]);
            }
            return statistics;
        }
    }

    // Users with a varying number of requests and a user-level latency (or error propensity): requests of a
    // user are correlated, which is what the delta method over units accounts for.
    private static Units LatencyUnits(Random random, int users, double medianLatency)
    {
        var x = new double[users];
        var y = new double[users];
        for (var u = 0; u < users; u++)
        {
            var requests = 1 + Poisson.Sample(random, 4);
            var userLatency = LogNormal.Sample(random, Math.Log(medianLatency), 0.6);
            for (var r = 0; r < requests; r++)
            {
                x[u] += userLatency * LogNormal.Sample(random, 0, 0.3);
            }
            y[u] = requests;
        }
        return new Units(x, y);
    }

    private static Units ErrorUnits(Random random, int users, double errorRate)
    {
        var x = new double[users];
        var y = new double[users];
        for (var u = 0; u < users; u++)
        {
            var requests = 1 + Poisson.Sample(random, 9);
            var propensity = Math.Min(1, errorRate * Gamma.Sample(random, 0.5, 0.5));
            x[u] = Binomial.Sample(random, propensity, requests);
            y[u] = requests;
        }
        return new Units(x, y);
    }

    private static List<(Units Control, Units Treatment)> DataSets()
    {
        var random = new Random(1803_06336);
        return
        [
            (LatencyUnits(random, 50, 120), LatencyUnits(random, 60, 125)),
            (LatencyUnits(random, 2_000, 120), LatencyUnits(random, 2_100, 118)),
            (LatencyUnits(random, 20_000, 80), LatencyUnits(random, 20_000, 84)),
            (ErrorUnits(random, 3_000, 0.02), ErrorUnits(random, 3_000, 0.025)),
            (ErrorUnits(random, 30_000, 0.01), ErrorUnits(random, 30_000, 0.01)),
        ];
    }

    [Fact]
    public void Delta_method_ratio_test_matches_numpy_reference_from_the_paper_formula()
    {
        var sets = DataSets();
        var reference = PythonReference.Run("""
            from scipy import stats
            alpha = data["alpha"]
            def ratio_and_variance(x, y):
                # Deng, Knoblich & Lu, "Applying the Delta Method in Metric Analytics" (KDD 2018): for i.i.d.
                # units with per-unit means mu_x, mu_y, variances s2_x, s2_y and covariance s_xy,
                # Var(xbar / ybar) ~= (1/n) * (s2_x / mu_y^2 - 2 mu_x s_xy / mu_y^3 + mu_x^2 s2_y / mu_y^4).
                n = len(x)
                mx, my = x.mean(), y.mean()
                s2x, s2y = x.var(ddof=1), y.var(ddof=1)
                sxy = np.cov(x, y, ddof=1)[0, 1]
                return mx / my, (s2x / my**2 - 2 * mx * sxy / my**3 + mx**2 * s2y / my**4) / n
            z_crit = stats.norm.isf(alpha / 2)
            out = []
            for s in data["sets"]:
                rc, vc = ratio_and_variance(np.array(s["cx"]), np.array(s["cy"]))
                rt, vt = ratio_and_variance(np.array(s["tx"]), np.array(s["ty"]))
                diff, se = rt - rc, math.sqrt(vc + vt)
                z = diff / se
                # Percent change T/C - 1 with independent arms, by the same first-order expansion.
                rel = rt / rc - 1
                rel_se = math.sqrt(vt / rc**2 + rt**2 * vc / rc**4)
                out.append(dict(rc=rc, vc=vc, rt=rt, vt=vt, z=z, p=2 * stats.norm.sf(abs(z)),
                                half=z_crit * se, rel=rel, rel_half=z_crit * rel_se))
            emit(out)
            """,
            new
            {
                alpha = Alpha,
                sets = sets.Select(s => new { cx = s.Control.Numerators, cy = s.Control.Denominators, tx = s.Treatment.Numerators, ty = s.Treatment.Denominators }),
            });

        for (var i = 0; i < sets.Count; i++)
        {
            var control = sets[i].Control.Statistics();
            var treatment = sets[i].Treatment.Statistics();
            var expected = reference[i]!;
            PythonReference.AssertClose(PythonReference.Number(expected["rc"]), control.Ratio, 1e-12, $"set {i} control ratio");
            PythonReference.AssertClose(PythonReference.Number(expected["vc"]), control.RatioVariance, 1e-9, $"set {i} control ratio variance");
            PythonReference.AssertClose(PythonReference.Number(expected["vt"]), treatment.RatioVariance, 1e-9, $"set {i} treatment ratio variance");

            var result = RatioMetricTest.Compare(control, treatment, Alpha);
            PythonReference.AssertClose(PythonReference.Number(expected["z"]), result.Statistic, 1e-9, $"set {i} z");
            PythonReference.AssertClose(PythonReference.Number(expected["p"]), result.PValue, 1e-9, $"set {i} p-value");
            PythonReference.AssertClose(PythonReference.Number(expected["half"]), result.AbsoluteCi.Width / 2, 1e-9, $"set {i} CI half-width");
            PythonReference.AssertClose(PythonReference.Number(expected["rel"]), result.RelativeEffect, 1e-9, $"set {i} relative effect");
            PythonReference.AssertClose(PythonReference.Number(expected["rel_half"]), result.RelativeCi.Width / 2, 1e-9, $"set {i} relative CI half-width");
        }
    }

    [Fact]
    public void Statistics_merged_from_shards_equal_statistics_of_all_units()
    {
        var units = LatencyUnits(new Random(99), 9_000, 100);
        var whole = units.Statistics();
        var merged = units.Statistics(0, 4_000).Merge(units.Statistics(4_000, 4_001)).Merge(units.Statistics(4_001));

        Assert.Equal(whole.Units, merged.Units);
        PythonReference.AssertClose(whole.Ratio, merged.Ratio, 1e-13, "ratio");
        PythonReference.AssertClose(whole.RatioVariance, merged.RatioVariance, 1e-10, "ratio variance");
    }

    [Fact]
    public void Ratio_test_needs_two_units_and_a_denominator()
    {
        var one = default(RatioMetricStatistics).Add(5, 1);
        var two = one.Add(6, 2);
        Assert.Throws<ArgumentException>(() => RatioMetricTest.Compare(one, two));
        Assert.Throws<ArgumentException>(() => RatioMetricTest.Compare(default(RatioMetricStatistics).Add(0, 0).Add(0, 0), two));
    }
}
