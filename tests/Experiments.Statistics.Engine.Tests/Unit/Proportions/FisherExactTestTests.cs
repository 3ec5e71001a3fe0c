using Experiments.Statistics.Engine.Proportions;
using Experiments.Statistics.Engine.Tests.Support;

namespace Experiments.Statistics.Engine.Tests.Unit.Proportions;

public sealed class FisherExactTestTests
{
    // Random tables of every size, plus the shapes where two-sided Fisher is delicate: equal arms (mirrored
    // tables tie exactly), zero cells, empty margins, and tables far in the tail.
    private static List<long[]> Tables()
    {
        var random = new Random(4242);
        var tables = new List<long[]>
        {
            new long[] { 3, 7, 7, 3 },
            new long[] { 5, 5, 5, 5 },
            new long[] { 0, 10, 10, 0 },
            new long[] { 0, 0, 4, 6 },
            new long[] { 0, 5, 0, 7 },
            new long[] { 1, 999, 6, 994 },
            new long[] { 2, 98, 2, 98 },
            new long[] { 12, 988, 3, 997 },
            new long[] { 0, 1000, 9, 991 },
            new long[] { 40, 60, 80, 20 },
            new long[] { 500, 500, 100, 900 }, // p-value far below 1e-100
            new long[] { 7, 11, 4, 19 },
            new long[] { 1, 0, 0, 1 },
        };
        for (var i = 0; i < 40; i++)
        {
            var scale = i < 20 ? 30 : 3_000;
            var n1 = random.Next(1, scale);
            var n2 = i % 3 == 0 ? n1 : random.Next(1, scale); // every third table has equal arms
            var rate = random.NextDouble() * (i % 2 == 0 ? 0.05 : 0.5);
            var a = MathNet.Numerics.Distributions.Binomial.Sample(random, rate, n1);
            var c = MathNet.Numerics.Distributions.Binomial.Sample(random, Math.Min(1, rate * 1.5), n2);
            tables.Add([a, n1 - a, c, n2 - c]);
        }
        return tables;
    }

    [Fact]
    public void Fisher_matches_scipy_fisher_exact_two_sided()
    {
        var tables = Tables();
        var reference = PythonReference.Run("""
            from scipy import stats
            out = []
            for a, b, c, d in data:
                r = stats.fisher_exact([[a, b], [c, d]], alternative="two-sided")
                out.append(dict(p=r[1], odds=r[0]))
            emit(out)
            """,
            tables);

        for (var i = 0; i < tables.Count; i++)
        {
            var t = tables[i];
            var label = $"table [[{t[0]}, {t[1]}], [{t[2]}, {t[3]}]]";
            PythonReference.AssertClose(PythonReference.Number(reference[i]!["p"]), FisherExactTest.TwoSidedPValue(t[0], t[1], t[2], t[3]), 1e-9, label + " p-value");
            PythonReference.AssertClose(PythonReference.Number(reference[i]!["odds"]), FisherExactTest.OddsRatio(t[0], t[1], t[2], t[3]), 1e-12, label + " odds ratio");
        }
    }

    [Fact]
    public void Fisher_comparison_reports_newcombe_interval_as_statsmodels_computes_it()
    {
        var tables = Tables().Where(t => t[0] + t[1] > 0 && t[2] + t[3] > 0).ToList();
        var reference = PythonReference.Run("""
            from statsmodels.stats.proportion import confint_proportions_2indep
            out = []
            for ts, tn, cs, cn in data:
                low, high = confint_proportions_2indep(ts, tn, cs, cn, compare="diff", method="newcomb", alpha=0.05)
                out.append([low, high])
            emit(out)
            """,
            tables.Select(t => new[] { t[0], t[0] + t[1], t[2], t[2] + t[3] }));

        for (var i = 0; i < tables.Count; i++)
        {
            var t = tables[i];
            var result = FisherExactTest.Compare(new BinomialCounts(t[2], t[2] + t[3]), new BinomialCounts(t[0], t[0] + t[1]));
            var low = PythonReference.Number(reference[i]![0]);
            var high = PythonReference.Number(reference[i]![1]);
            // Bounds may sit at or across 0: compare on the scale of the interval.
            var scale = Math.Max(high - low, 1e-300);
            Assert.True(Math.Abs(result.AbsoluteCi.Lower - low) <= 1e-9 * scale, $"table {i}: lower {result.AbsoluteCi.Lower:R} vs {low:R}");
            Assert.True(Math.Abs(result.AbsoluteCi.Upper - high) <= 1e-9 * scale, $"table {i}: upper {result.AbsoluteCi.Upper:R} vs {high:R}");
            Assert.Equal(FisherExactTest.TwoSidedPValue(t[0], t[1], t[2], t[3]), result.PValue);
        }
    }
}
