using Experiments.Statistics.Engine.MultipleTesting;
using Experiments.Statistics.Engine.Tests.Support;

namespace Experiments.Statistics.Engine.Tests.Unit.MultipleTesting;

public sealed class MultipleTestingCorrectionTests
{
    private const double Alpha = 0.05;

    // Families of KPI p-values: mixtures of real effects (tiny p) and nulls (uniform p), with ties, exact
    // zeros and ones, values on the α/m boundaries, and a single test.
    private static List<double[]> Families()
    {
        var random = new Random(1995);
        var families = new List<double[]>
        {
            new[] { 0.01, 0.04, 0.03, 0.005 },
            new[] { 0.5 },
            new[] { 0.0125, 0.0125, 0.0125, 0.0125 },
            new[] { 0, 1, 0.02, 0.02, 0.9 },
            new[] { 0.05 / 3, 0.05 / 2, 0.05 },
            new[] { 1e-300, 3e-12, 0.2, 0.049 },
        };
        for (var i = 0; i < 20; i++)
        {
            var m = random.Next(2, 30);
            families.Add(Enumerable.Range(0, m)
                .Select(_ => random.NextDouble() < 0.3 ? random.NextDouble() * 1e-3 : random.NextDouble())
                .Select(p => i % 4 == 0 ? Math.Round(p, 2) : p) // rounded p-values tie
                .ToArray());
        }
        return families;
    }

    [Theory]
    [InlineData(MultipleTestingMethod.Holm, "holm")]
    [InlineData(MultipleTestingMethod.BenjaminiHochberg, "fdr_bh")]
    public void Adjusted_p_values_match_statsmodels_multipletests(MultipleTestingMethod method, string statsmodelsMethod)
    {
        var families = Families();
        var reference = PythonReference.Run("""
            from statsmodels.stats.multitest import multipletests
            # The method is always named: multipletests defaults to Holm-Sidak, which is neither of ours.
            out = []
            for p in data["families"]:
                reject, adjusted, _, _ = multipletests(p, alpha=data["alpha"], method=data["method"])
                out.append(dict(reject=reject, adjusted=adjusted))
            emit(out)
            """,
            new { alpha = Alpha, method = statsmodelsMethod, families });

        for (var f = 0; f < families.Count; f++)
        {
            var result = MultipleTestingCorrection.Adjust(families[f], method, Alpha);
            for (var i = 0; i < families[f].Length; i++)
            {
                PythonReference.AssertClose(PythonReference.Number(reference[f]!["adjusted"]![i]), result.Adjusted[i], 1e-12, $"family {f} hypothesis {i} adjusted p");
                Assert.True(reference[f]!["reject"]![i]!.GetValue<bool>() == result.Rejected[i], $"family {f} hypothesis {i} rejection");
            }
        }
    }

    [Fact]
    public void Holm_is_the_default_method()
    {
        Assert.Equal(MultipleTestingMethod.Holm, MultipleTestingCorrection.Adjust([0.01, 0.02]).Method);
    }

    [Fact]
    public void P_values_outside_the_unit_interval_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => MultipleTestingCorrection.Holm([0.01, double.NaN]));
        Assert.Throws<ArgumentException>(() => MultipleTestingCorrection.BenjaminiHochberg([1.5]));
    }
}
