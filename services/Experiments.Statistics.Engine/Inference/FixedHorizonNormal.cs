namespace Experiments.Statistics.Engine.Inference;

/// <summary>
/// The Wald interval estimate ± z₁₋α/₂·SE and its two-sided p-value: valid for one look at data whose size was not
/// chosen by looking — a replay of recorded traffic, analysed once. A live experiment, read whenever someone looks,
/// needs the confidence sequence instead.
/// </summary>
public sealed class FixedHorizonNormal : IEffectInference
{
    public static FixedHorizonNormal Instance { get; } = new();

    public string IntervalKind => "fixed-horizon";

    public ConfidenceInterval Interval(EffectEstimate effect, long totalUnits, double level) =>
        double.IsFinite(effect.Value) && double.IsFinite(effect.Variance) && effect.Variance >= 0
            ? ConfidenceInterval.Around(effect.Value, StandardNormal.UpperQuantile(level / 2) * Math.Sqrt(effect.Variance))
            : ConfidenceInterval.Unbounded;

    public double PValue(EffectEstimate effect, long totalUnits)
    {
        if (double.IsNaN(effect.Value) || double.IsNaN(effect.Variance))
        {
            return double.NaN;
        }
        if (effect.Variance == 0)
        {
            return effect.Value == 0 ? 1 : 0;
        }
        return StandardNormal.TwoSidedPValue(effect.Value / Math.Sqrt(effect.Variance));
    }
}
