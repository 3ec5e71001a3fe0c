using Experiments.Statistics.Engine.Proportions;
using Experiments.Statistics.Engine.Tests.Support;

namespace Experiments.Statistics.Engine.Tests.Unit.Proportions;

public sealed class TwoProportionZTestTests
{
    private const double Alpha = 0.05;

    private static List<(BinomialCounts Control, BinomialCounts Treatment)> DataSets()
    {
        var random = new Random(31337);
        var sets = new List<(BinomialCounts, BinomialCounts)>
        {
            (new BinomialCounts(120, 10_000), new BinomialCounts(150, 10_000)),
            (new BinomialCounts(5_000, 1_000_000), new BinomialCounts(5_400, 990_000)),
            (new BinomialCounts(40, 100), new BinomialCounts(40, 100)),
            (new BinomialCounts(300, 1_000), new BinomialCounts(600, 1_000)), // p-value ~1e-42
            (new BinomialCounts(0, 500), new BinomialCounts(25, 500)),
        };
        for (var i = 0; i < 8; i++)
        {
            var n1 = random.Next(50, 200_000);
            var n2 = random.Next(50, 200_000);
            var rate = random.NextDouble() * 0.3;
            sets.Add((new BinomialCounts(MathNet.Numerics.Distributions.Binomial.Sample(random, rate, n1), n1),
                      new BinomialCounts(MathNet.Numerics.Distributions.Binomial.Sample(random, rate * (0.9 + 0.2 * random.NextDouble()), n2), n2)));
        }
        return sets;
    }

    [Fact]
    public void ZTest_matches_statsmodels_proportions_ztest_and_wald_interval()
    {
        var sets = DataSets();
        var reference = PythonReference.Run("""
            from statsmodels.stats.proportion import proportions_ztest, confint_proportions_2indep
            out = []
            for s in data["sets"]:
                # Treatment first: the statistic is treatment minus control. The default (prop_var=False) pools.
                z, p = proportions_ztest([s["ts"], s["cs"]], [s["tn"], s["cn"]], value=0, alternative="two-sided")
                low, high = confint_proportions_2indep(s["ts"], s["tn"], s["cs"], s["cn"], method="wald",
                                                       compare="diff", alpha=data["alpha"])
                out.append(dict(z=z, p=p, low=low, high=high))
            emit(out)
            """,
            new
            {
                alpha = Alpha,
                sets = sets.Select(s => new { cs = s.Control.Successes, cn = s.Control.Trials, ts = s.Treatment.Successes, tn = s.Treatment.Trials }),
            });

        for (var i = 0; i < sets.Count; i++)
        {
            var result = TwoProportionZTest.Compare(sets[i].Control, sets[i].Treatment, Alpha);
            var expected = reference[i]!;
            var z = PythonReference.Number(expected["z"]);
            if (double.IsNaN(z))
            {
                Assert.Equal(0, result.Statistic);
            }
            else
            {
                PythonReference.AssertClose(z, result.Statistic, 1e-9, $"set {i} z");
            }
            PythonReference.AssertClose(PythonReference.Number(expected["p"]), result.PValue, 1e-9, $"set {i} p-value");
            // The bounds can straddle 0, so compare them on the scale of the interval's width.
            var low = PythonReference.Number(expected["low"]);
            var high = PythonReference.Number(expected["high"]);
            PythonReference.AssertClose((high - low) / 2, result.AbsoluteCi.Width / 2, 1e-9, $"set {i} CI half-width");
            PythonReference.AssertClose((high + low) / 2, (result.AbsoluteCi.Lower + result.AbsoluteCi.Upper) / 2, 1e-9, $"set {i} CI center");
        }
    }

    [Fact]
    public void Identical_all_zero_arms_are_not_different()
    {
        var result = TwoProportionZTest.Compare(new BinomialCounts(0, 1_000), new BinomialCounts(0, 2_000));
        Assert.Equal(1, result.PValue);
        Assert.Equal(0, result.AbsoluteEffect);
    }

    [Fact]
    public void Small_expected_counts_switch_to_Fisher_and_large_ones_to_the_z_test()
    {
        // Pooled rate 6/2000: the smaller arm expects 3 successes, below Cochran's 5.
        var small = ProportionTest.Compare(new BinomialCounts(1, 1_000), new BinomialCounts(5, 1_000));
        Assert.Equal(FisherExactTest.Name, small.TestName);

        // Pooled rate 12/2000: 6 expected in each arm.
        var large = ProportionTest.Compare(new BinomialCounts(4, 1_000), new BinomialCounts(8, 1_000));
        Assert.Equal(TwoProportionZTest.Name, large.TestName);

        // Rare failures count too: 2 expected failures in the smaller arm.
        Assert.True(ProportionTest.NeedsExactTest(new BinomialCounts(498, 500), new BinomialCounts(9_980, 10_000)));
    }
}
