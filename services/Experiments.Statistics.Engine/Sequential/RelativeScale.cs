using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Sequential;

/// <summary>
/// The one scale on which a comparison's relative interval, its p-values and its decisions are computed, so they
/// can never disagree: the log ratio ln(T/C) when both arms are positive (<see cref="LogRatioEffect"/>), otherwise
/// the difference T − C read relative to the control (a custom metric with negative values, a rate that is still
/// zero in the treatment). Margins such as a guardrail's tolerance are tested on the same scale.
/// </summary>
public readonly record struct RelativeScale
{
    private readonly IEffectInference _inference;
    private readonly EffectEstimate _effect;
    private readonly double _control;
    private readonly long _units;

    private RelativeScale(IEffectInference inference, EffectEstimate effect, bool onLogRatio, double control, double relativeEffect, long units)
    {
        _inference = inference;
        _effect = effect;
        OnLogRatio = onLogRatio;
        _control = control;
        RelativeEffect = relativeEffect;
        _units = units;
    }

    /// <summary>Whether the figures are on the log ratio (else on the difference over the control).</summary>
    public bool OnLogRatio { get; }

    /// <summary>The point estimate T/C − 1.</summary>
    public double RelativeEffect { get; }

    /// <summary>How reasons name this scale's intervals ("always-valid", "fixed-horizon").</summary>
    public string IntervalKind => _inference.IntervalKind;

    /// <summary>The scale for <paramref name="treatment"/> against <paramref name="control"/>, read with <paramref name="inference"/>.</summary>
    public static RelativeScale Of(ArmEstimate control, ArmEstimate treatment, IEffectInference inference)
    {
        ArgumentNullException.ThrowIfNull(inference);
        var units = Math.Max(1, control.Units + treatment.Units);
        var relative = control.Value != 0 ? treatment.Value / control.Value - 1 : double.NaN;
        return LogRatioEffect.Estimate(control, treatment) is { } log
            ? new RelativeScale(inference, log, true, control.Value, relative, units)
            : new RelativeScale(inference, EffectEstimate.Difference(control, treatment), false, control.Value, relative, units);
    }

    /// <summary>The interval of T/C − 1 at level 1 − <paramref name="level"/> (always-valid for a confidence sequence).</summary>
    public ConfidenceInterval Interval(double level)
    {
        var interval = _inference.Interval(_effect, _units, level);
        if (OnLogRatio)
        {
            return LogRatioEffect.ToRelative(interval);
        }
        if (_control == 0 || !double.IsFinite(_control))
        {
            return ConfidenceInterval.Unbounded;
        }
        // A linear map of the difference's interval: it excludes 0 exactly when the difference's does.
        var a = interval.Lower / _control;
        var b = interval.Upper / _control;
        return new ConfidenceInterval(Math.Min(a, b), Math.Max(a, b));
    }

    /// <summary>The p-value of H₀: T/C − 1 = <paramref name="relativeMargin"/> (0: no difference), dual to <see cref="Interval"/>.</summary>
    public double PValue(double relativeMargin = 0)
    {
        if (relativeMargin == 0)
        {
            return _inference.PValue(_effect, _units);
        }
        if (OnLogRatio)
        {
            return relativeMargin > -1
                ? _inference.PValue(_effect with { Value = _effect.Value - LogRatioEffect.FromRelative(relativeMargin) }, _units)
                : 0;
        }
        return _control == 0 || !double.IsFinite(_control)
            ? double.NaN
            : _inference.PValue(_effect with { Value = _effect.Value - relativeMargin * _control }, _units);
    }
}
