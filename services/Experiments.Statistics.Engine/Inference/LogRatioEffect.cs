namespace Experiments.Statistics.Engine.Inference;

/// <summary>
/// The log ratio ln(T/C) of two independent positive arm estimates, with its delta-method variance.
/// </summary>
/// <remarks>
/// g(t, c) = ln t − ln c has gradient (1/t, −1/c), so Var ≈ Var(T)/T² + Var(C)/C² (Deng, Knoblich &amp; Lu,
/// KDD 2018, arXiv 1803.06336, §3 on percent change). An interval [l, u] for the log ratio maps to
/// [eˡ − 1, eᵘ − 1] for the relative effect T/C − 1: it never reaches below −100%, respects the sign of
/// rates and latencies, and the relative interval excludes 0 exactly when the log-ratio interval does, so a
/// p-value computed on the same scale can never disagree with it.
/// </remarks>
public static class LogRatioEffect
{
    /// <summary>ln(T/C) and its variance; null when either estimate is not a positive finite number.</summary>
    public static EffectEstimate? Estimate(ArmEstimate control, ArmEstimate treatment)
    {
        var c = control.Value;
        var t = treatment.Value;
        if (!(c > 0 && t > 0 && double.IsFinite(c) && double.IsFinite(t) && double.IsFinite(control.Variance) && double.IsFinite(treatment.Variance)))
        {
            return null;
        }
        return new EffectEstimate(Math.Log(t / c), treatment.Variance / (t * t) + control.Variance / (c * c));
    }

    /// <summary>The relative-effect interval [eˡ − 1, eᵘ − 1] of a log-ratio interval [l, u].</summary>
    public static ConfidenceInterval ToRelative(ConfidenceInterval logRatio) =>
        new(Math.Exp(logRatio.Lower) - 1, Math.Exp(logRatio.Upper) - 1);

    /// <summary>The log ratio of a relative effect r: ln(1 + r).</summary>
    public static double FromRelative(double relative) => Math.Log(1 + relative);
}
