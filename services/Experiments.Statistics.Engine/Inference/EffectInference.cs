namespace Experiments.Statistics.Engine.Inference;

/// <summary>
/// How an effect estimate becomes the interval and p-value a decision is read from: the always-valid confidence
/// sequence of a live experiment, read at every look, or the fixed-horizon normal interval of an analysis made once.
/// </summary>
public interface IEffectInference
{
    /// <summary>How reasons name the interval: "always-valid" or "fixed-horizon".</summary>
    string IntervalKind { get; }

    /// <summary>The interval for <paramref name="effect"/> after <paramref name="totalUnits"/> units at level 1 − <paramref name="level"/>.</summary>
    ConfidenceInterval Interval(EffectEstimate effect, long totalUnits, double level);

    /// <summary>The p-value of H₀: effect = 0, dual to <see cref="Interval"/>.</summary>
    double PValue(EffectEstimate effect, long totalUnits);
}
