using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Proportions;

/// <summary>
/// The two-proportion z-test for rates when the randomization unit is the trial (request-level error rate).
/// </summary>
/// <remarks>
/// The p-value uses the pooled standard error √(p̂(1−p̂)(1/n_T + 1/n_C)), p̂ = (s_T + s_C)/(n_T + n_C): under
/// H₀ both arms share one rate, and pooling estimates it best (statsmodels proportions_ztest's default).
/// The intervals use the unpooled standard error √(p_T(1−p_T)/n_T + p_C(1−p_C)/n_C) (the Wald interval of
/// statsmodels confint_proportions_2indep(method='wald')): an interval describes the effect where it is,
/// not under H₀. The two can disagree at the margin — a p-value just under α with an interval just touching 0.
/// </remarks>
public static class TwoProportionZTest
{
    /// <summary>The test name reported in <see cref="TestResult.TestName"/>.</summary>
    public const string Name = "two-proportion z-test";

    /// <summary>Compares treatment with control at two-sided level <paramref name="alpha"/>.</summary>
    /// <exception cref="ArgumentException">An arm has no trials.</exception>
    public static TestResult Compare(BinomialCounts control, BinomialCounts treatment, double alpha = 0.05)
    {
        SignificanceLevel.Validate(alpha);
        ProportionArguments.RequireTrials(control, nameof(control));
        ProportionArguments.RequireTrials(treatment, nameof(treatment));

        var difference = treatment.Rate - control.Rate;
        var pooled = (double)(treatment.Successes + control.Successes) / (treatment.Trials + control.Trials);
        var pooledVariance = pooled * (1 - pooled) * (1.0 / treatment.Trials + 1.0 / control.Trials);
        // With no successes (or no failures) anywhere, both arms are identical and there is nothing to test.
        var statistic = pooledVariance > 0 ? difference / Math.Sqrt(pooledVariance) : 0;
        var pValue = StandardNormal.TwoSidedPValue(statistic);

        var controlEstimate = control.ToEstimate();
        var treatmentEstimate = treatment.ToEstimate();
        var critical = StandardNormal.UpperQuantile(alpha / 2);
        var relative = RelativeEffect.Estimate(controlEstimate, treatmentEstimate);
        return new TestResult(Name, control.Rate, treatment.Rate, control.Trials, treatment.Trials,
            difference, EffectEstimate.Difference(controlEstimate, treatmentEstimate).Interval(critical),
            relative.Value, relative.Interval(critical), pValue)
        {
            Statistic = statistic,
            DegreesOfFreedom = double.PositiveInfinity,
        };
    }
}
