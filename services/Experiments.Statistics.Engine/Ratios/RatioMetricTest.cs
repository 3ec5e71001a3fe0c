using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Ratios;

/// <summary>
/// Compares a ratio metric (Σx/Σy per arm) between arms when the randomization unit is the user or session:
/// a z-test on the difference of ratios with delta-method variances over units (arms independent), and
/// the relative effect ratio_T/ratio_C − 1 with its own delta-method variance.
/// </summary>
public static class RatioMetricTest
{
    /// <summary>The test name reported in <see cref="TestResult.TestName"/>.</summary>
    public const string Name = "ratio z-test (delta method)";

    /// <summary>Compares treatment with control at two-sided level <paramref name="alpha"/>.</summary>
    /// <exception cref="ArgumentException">An arm has fewer than two units or a zero denominator total.</exception>
    public static TestResult Compare(RatioMetricStatistics control, RatioMetricStatistics treatment, double alpha = 0.05)
    {
        SignificanceLevel.Validate(alpha);
        Require(control, nameof(control));
        Require(treatment, nameof(treatment));

        var controlEstimate = control.ToEstimate();
        var treatmentEstimate = treatment.ToEstimate();
        var difference = EffectEstimate.Difference(controlEstimate, treatmentEstimate);
        var relative = RelativeEffect.Estimate(controlEstimate, treatmentEstimate);
        var statistic = difference.Variance > 0
            ? difference.Value / difference.StandardError
            : difference.Value == 0 ? 0 : Math.CopySign(double.PositiveInfinity, difference.Value);
        var critical = StandardNormal.UpperQuantile(alpha / 2);
        return new TestResult(Name, controlEstimate.Value, treatmentEstimate.Value, control.Units, treatment.Units,
            difference.Value, difference.Interval(critical), relative.Value, relative.Interval(critical),
            StandardNormal.TwoSidedPValue(statistic))
        {
            Statistic = statistic,
            DegreesOfFreedom = double.PositiveInfinity,
        };
    }

    private static void Require(RatioMetricStatistics statistics, string name)
    {
        if (statistics.Units < 2)
        {
            throw new ArgumentException($"The delta method needs at least two units per arm; got {statistics.Units}.", name);
        }
        if (statistics.SumDenominator == 0)
        {
            throw new ArgumentException("The denominator total is zero: the ratio is undefined.", name);
        }
    }
}
