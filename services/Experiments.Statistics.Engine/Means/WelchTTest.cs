using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Means;

/// <summary>
/// Welch's unequal-variance t-test on summary statistics, with Welch–Satterthwaite degrees of freedom.
/// Use it when the randomization unit is the observation: requests randomized one by one, or per-unit means
/// of a custom metric (one value per user).
/// </summary>
/// <remarks>
/// t = (x̄_T − x̄_C)/√(s²_T/n_T + s²_C/n_C) and ν = (s²_T/n_T + s²_C/n_C)² / [(s²_T/n_T)²/(n_T−1) + (s²_C/n_C)²/(n_C−1)],
/// as scipy.stats.ttest_ind(equal_var=False). The relative interval is the delta-method one
/// (<see cref="RelativeEffect"/>) with the same t critical value, so both intervals agree at small samples.
/// </remarks>
public static class WelchTTest
{
    /// <summary>The test name reported in <see cref="TestResult.TestName"/>.</summary>
    public const string Name = "Welch t-test";

    /// <summary>Compares treatment with control at two-sided level <paramref name="alpha"/>.</summary>
    /// <exception cref="ArgumentException">An arm has fewer than two observations.</exception>
    public static TestResult Compare(SampleSummary control, SampleSummary treatment, double alpha = 0.05)
    {
        SignificanceLevel.Validate(alpha);
        RequireTwoObservations(control, nameof(control));
        RequireTwoObservations(treatment, nameof(treatment));

        var controlEstimate = control.ToEstimate();
        var treatmentEstimate = treatment.ToEstimate();
        var difference = EffectEstimate.Difference(controlEstimate, treatmentEstimate);
        var relative = RelativeEffect.Estimate(controlEstimate, treatmentEstimate);

        double statistic, degreesOfFreedom, pValue;
        ConfidenceInterval absoluteCi, relativeCi;
        if (difference.Variance > 0)
        {
            var vt = treatmentEstimate.Variance;
            var vc = controlEstimate.Variance;
            statistic = difference.Value / difference.StandardError;
            degreesOfFreedom = difference.Variance * difference.Variance
                / (vt * vt / (treatment.Count - 1) + vc * vc / (control.Count - 1));
            pValue = StudentTDistribution.TwoSidedPValue(statistic, degreesOfFreedom);
            var critical = StudentTDistribution.UpperQuantile(alpha / 2, degreesOfFreedom);
            absoluteCi = difference.Interval(critical);
            relativeCi = relative.Interval(critical);
        }
        else
        {
            // Both arms constant: no sampling noise at all, so the observed difference is the effect.
            // scipy answers NaN here; a verdict needs a decision, and this is the limit of the test.
            statistic = difference.Value == 0 ? 0 : Math.CopySign(double.PositiveInfinity, difference.Value);
            degreesOfFreedom = double.NaN;
            pValue = difference.Value == 0 ? 1 : 0;
            absoluteCi = new ConfidenceInterval(difference.Value, difference.Value);
            relativeCi = double.IsFinite(relative.Value) ? new ConfidenceInterval(relative.Value, relative.Value) : ConfidenceInterval.Unbounded;
        }

        return new TestResult(Name, control.Mean, treatment.Mean, control.Count, treatment.Count,
            difference.Value, absoluteCi, relative.Value, relativeCi, pValue)
        {
            Statistic = statistic,
            DegreesOfFreedom = degreesOfFreedom,
        };
    }

    private static void RequireTwoObservations(SampleSummary summary, string name)
    {
        if (summary.Count < 2)
        {
            throw new ArgumentException($"Welch's test needs at least two observations per arm; got {summary.Count}.", name);
        }
    }
}
