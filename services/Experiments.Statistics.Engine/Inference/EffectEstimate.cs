namespace Experiments.Statistics.Engine.Inference;

/// <summary>An effect (absolute or relative) with the variance of its estimator.</summary>
public readonly record struct EffectEstimate(double Value, double Variance)
{
    /// <summary>The standard error of <see cref="Value"/>.</summary>
    public double StandardError => Math.Sqrt(Variance);

    /// <summary>Treatment minus control for independent arms: the variances add.</summary>
    public static EffectEstimate Difference(ArmEstimate control, ArmEstimate treatment) =>
        new(treatment.Value - control.Value, treatment.Variance + control.Variance);

    /// <summary>
    /// <see cref="Value"/> ± <paramref name="criticalValue"/> standard errors; unbounded when the effect
    /// or its variance is not a finite number (for example a relative effect against a zero control).
    /// </summary>
    public ConfidenceInterval Interval(double criticalValue) =>
        double.IsFinite(Value) && double.IsFinite(Variance)
            ? ConfidenceInterval.Around(Value, criticalValue * StandardError)
            : ConfidenceInterval.Unbounded;
}
