using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.Tests.Support;

namespace Experiments.Statistics.Engine.Tests.Unit.Inference;

public sealed class StudentTDistributionTests
{
    // Degrees of freedom from tiny samples to ten-million-unit experiments, on both sides of the switch between
    // the continued fraction and the asymptotic expansion (ν = 30), and statistics from the centre to the far tail.
    // scipy's stdtr (TOMS 708) and this code are both accurate to ~1e-14; 1e-11 leaves room for the rounding of
    // either without letting a wrong branch through (the old continued-fraction-only code missed by 1e-9).
    [Fact]
    public void Tails_and_quantiles_match_scipy_across_degrees_of_freedom()
    {
        double[] degrees = [0.7, 1, 2.5, 7, 29.9, 30.3, 123.4, 4321.5, 1e5, 2.5e6, 3e7, 1e10];
        double[] statistics = [0.05, 0.9, 1.7, 2.2, 4.5, 9, 40, 1e4];
        double[] tails = [0.25, 0.025, 0.005, 1e-4, 1e-9];
        var reference = PythonReference.Run("""
            from scipy import special, optimize
            tails = [[2 * special.stdtr(df, -t) for t in data["statistics"]] for df in data["degrees"]]
            quantiles = [[optimize.brentq(lambda x: special.stdtr(df, -x) - q, 0.0, 1e16, xtol=1e-300, rtol=1e-15)
                          for q in data["tails"]] for df in data["degrees"]]
            emit(dict(p=tails, q=quantiles))
            """,
            new { degrees, statistics, tails });

        for (var i = 0; i < degrees.Length; i++)
        {
            for (var j = 0; j < statistics.Length; j++)
            {
                PythonReference.AssertClose(PythonReference.Number(reference["p"]![i]![j]),
                    StudentTDistribution.TwoSidedPValue(statistics[j], degrees[i]), 1e-11, $"df={degrees[i]} t={statistics[j]} p-value");
            }
            for (var j = 0; j < tails.Length; j++)
            {
                PythonReference.AssertClose(PythonReference.Number(reference["q"]![i]![j]),
                    StudentTDistribution.UpperQuantile(tails[j], degrees[i]), 1e-12, $"df={degrees[i]} q={tails[j]} quantile");
            }
        }
    }
}
