using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Proportions;

/// <summary>
/// Fisher's exact test of a 2×2 table, two-sided as scipy.stats.fisher_exact computes it: the probability,
/// under the hypergeometric distribution of the table given its margins, of every table no more likely than
/// the observed one.
/// </summary>
public static class FisherExactTest
{
    /// <summary>The test name reported in <see cref="TestResult.TestName"/>.</summary>
    public const string Name = "Fisher's exact test";

    // scipy 1.10 counts a table as "no more likely" when pmf ≤ pmf(observed)·(1 + 1e-14), so that tables
    // tied in exact arithmetic but not in floating point are all counted. The probabilities below come
    // from one product recurrence walked out from the mode; for the symmetric margins of equal-sized arms
    // mirrored tables multiply the same integer factors in the same order, so their ties are bit-exact.
    private const double TieTolerance = 1 + 1e-14;

    /// <summary>
    /// The two-sided p-value of the table [[<paramref name="a"/>, <paramref name="b"/>],
    /// [<paramref name="c"/>, <paramref name="d"/>]]; 1 when a row or column is empty (as scipy).
    /// </summary>
    public static double TwoSidedPValue(long a, long b, long c, long d)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(a);
        ArgumentOutOfRangeException.ThrowIfNegative(b);
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        ArgumentOutOfRangeException.ThrowIfNegative(d);
        if (a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0)
        {
            return 1.0;
        }

        // The upper-left cell is hypergeometric: population M = a+b+c+d, K = a+b "good", N = a+c drawn.
        var distribution = new Hypergeometric(a + b + c + d, a + b, a + c);
        var observed = distribution.RelativeProbability(a);
        var threshold = observed * TieTolerance;
        var total = 0.0;
        var extreme = 0.0;
        foreach (var probability in distribution.RelativeProbabilities())
        {
            total += probability;
            if (probability <= threshold)
            {
                extreme += probability;
            }
        }
        return Math.Min(1.0, extreme / total);
    }

    /// <summary>
    /// The sample odds ratio (a·d)/(b·c) of the table, as scipy reports it: +∞ when b·c = 0, NaN when a row
    /// or column is empty.
    /// </summary>
    public static double OddsRatio(long a, long b, long c, long d)
    {
        if (a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0)
        {
            return double.NaN;
        }
        return b > 0 && c > 0 ? (double)a * d / ((double)b * c) : double.PositiveInfinity;
    }

    /// <summary>
    /// Compares treatment with control. The p-value is Fisher's on the table
    /// [[treatment successes, treatment failures], [control successes, control failures]]; the absolute interval
    /// is Newcombe's hybrid score interval (a Wald interval is unreliable with the few events that call for an
    /// exact test), and the relative interval is the delta-method one, unbounded without control successes.
    /// <see cref="TestResult.Statistic"/> holds the sample odds ratio (treatment odds / control odds).
    /// </summary>
    /// <exception cref="ArgumentException">An arm has no trials.</exception>
    public static TestResult Compare(BinomialCounts control, BinomialCounts treatment, double alpha = 0.05)
    {
        SignificanceLevel.Validate(alpha);
        ProportionArguments.RequireTrials(control, nameof(control));
        ProportionArguments.RequireTrials(treatment, nameof(treatment));

        var pValue = TwoSidedPValue(treatment.Successes, treatment.Failures, control.Successes, control.Failures);
        var controlEstimate = control.ToEstimate();
        var treatmentEstimate = treatment.ToEstimate();
        var relative = control.Successes > 0
            ? RelativeEffect.Estimate(controlEstimate, treatmentEstimate)
            : new EffectEstimate(double.NaN, double.NaN);
        return new TestResult(Name, control.Rate, treatment.Rate, control.Trials, treatment.Trials,
            treatment.Rate - control.Rate, NewcombeInterval.ForDifference(control, treatment, alpha),
            relative.Value, relative.Interval(StandardNormal.UpperQuantile(alpha / 2)), pValue)
        {
            Statistic = OddsRatio(treatment.Successes, treatment.Failures, control.Successes, control.Failures),
        };
    }
}
