namespace Experiments.Statistics.Engine.Inference;

/// <summary>
/// The relative effect T/C − 1 of two independent arm estimates, with its delta-method variance.
/// </summary>
/// <remarks>
/// First-order Taylor expansion of g(t, c) = t/c around the estimates, arms independent
/// (Deng, Knoblich &amp; Lu, "Applying the Delta Method in Metric Analytics", KDD 2018, arXiv 1803.06336, on percent change):
/// Var(T/C) ≈ Var(T)/C² + T²·Var(C)/C⁴. It is asymptotic: when the control's relative standard error is
/// not small (a tiny control mean, a handful of units) the interval is unreliable, and it is undefined
/// for a zero control.
/// </remarks>
public static class RelativeEffect
{
    /// <summary>
    /// T/C − 1 and its delta-method variance; both NaN when the control estimate is zero.
    /// </summary>
    public static EffectEstimate Estimate(ArmEstimate control, ArmEstimate treatment)
    {
        var c = control.Value;
        var t = treatment.Value;
        if (c == 0 || !double.IsFinite(c))
        {
            return new EffectEstimate(double.NaN, double.NaN);
        }
        var c2 = c * c;
        var variance = treatment.Variance / c2 + t * t * control.Variance / (c2 * c2);
        return new EffectEstimate(t / c - 1, variance);
    }

    /// <summary>
    /// The two-sided normal-theory interval at level 1 − <paramref name="alpha"/> for T/C − 1;
    /// unbounded when the control estimate is zero.
    /// </summary>
    public static ConfidenceInterval Interval(ArmEstimate control, ArmEstimate treatment, double alpha = 0.05)
    {
        SignificanceLevel.Validate(alpha);
        return Estimate(control, treatment).Interval(StandardNormal.UpperQuantile(alpha / 2));
    }
}
