using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Power;

/// <summary>
/// What an interval rules out: every effect below <see cref="Below"/> and above <see cref="Above"/>. It names
/// the evidence behind INCONCLUSIVE ("effects beyond ±1.3% are ruled out") and decides whether the effect is
/// bounded within the minimum effect of interest.
/// </summary>
/// <param name="Below">Effects smaller than this (the interval's lower bound) are ruled out.</param>
/// <param name="Above">Effects larger than this (the interval's upper bound) are ruled out.</param>
public readonly record struct RuledOutEffect(double Below, double Above)
{
    /// <summary>From a confidence interval (or an always-valid one) on the effect.</summary>
    public static RuledOutEffect From(ConfidenceInterval interval) => new(interval.Lower, interval.Upper);

    /// <summary>
    /// The smallest magnitude ruled out in both directions, max(|Below|, |Above|): every effect with |effect|
    /// larger than this is excluded by the interval.
    /// </summary>
    public double Magnitude => Math.Max(Math.Abs(Below), Math.Abs(Above));

    /// <summary>
    /// Whether the interval lies strictly inside (−<paramref name="minimumEffect"/>, +<paramref name="minimumEffect"/>):
    /// every effect of at least that size, in either direction, is ruled out.
    /// </summary>
    public bool IsWithin(double minimumEffect) => Below > -minimumEffect && Above < minimumEffect;
}
