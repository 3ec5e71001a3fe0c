using System.Globalization;
using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.Power;
using Experiments.Statistics.Engine.Sequential;

namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>
/// The decision on one treatment-versus-control comparison of one KPI, read off one always-valid interval of the
/// relative effect and the p-value dual to it (<see cref="RelativeScale"/>), so the figures shown beside a decision
/// are the ones that made it.
/// </summary>
internal static class ComparisonRule
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// A primary or secondary KPI: significantly better or worse when the interval at the level the correction
    /// leaves it excludes 0. With raw p and adjusted p̃ (Holm and BH both give p ≤ p̃ ≤ m·p), the level α·p/p̃ lies in
    /// [α/m, α], and the interval at it excludes 0 exactly when p ≤ α·p/p̃, that is when p̃ ≤ α.
    /// </summary>
    public static ComparisonResult Superiority(ExperimentDefinition definition, MetricDefinition metric, KpiComparison comparison,
        RelativeScale scale, string treatmentKey, string controlKey, double adjustedFixed, double rawP, double adjustedP)
    {
        var alpha = definition.Alpha;
        var level = adjustedP > 0 && rawP > 0 ? Math.Clamp(alpha * rawP / adjustedP, double.Epsilon, alpha) : alpha;
        var interval = scale.Interval(level);
        var mde = metric.MinimumDetectableEffect > 0 ? metric.MinimumDetectableEffect : definition.MinimumDetectableEffect;
        var label = ReasonText.Label(metric);
        var figures = $"{ReasonText.Interval(interval, level, scale.IntervalKind)}, adjusted p = {ReasonText.PValue(adjustedP)}";
        var change = $"{label} {ReasonText.Change(scale.RelativeEffect)} in {treatmentKey} ({figures})";
        MetricDecision decision;
        string reason;
        if (interval.ExcludesZero)
        {
            var improves = metric.EffectiveDirection == DesiredDirection.Increase ? interval.Lower > 0 : interval.Upper < 0;
            (decision, reason) = improves ? (MetricDecision.Better, $"{change}: significantly better") : (MetricDecision.Worse, $"{change}: significantly worse");
        }
        else if (RuledOutEffect.From(interval).IsWithin(mde))
        {
            decision = MetricDecision.Equivalent;
            reason = string.Create(Invariant,
                $"{label} in {treatmentKey}: no significant difference; effects beyond ±{ReasonText.Percent(RuledOutEffect.From(interval).Magnitude)} are ruled out, within the ±{ReasonText.Percent(mde)} MDE ({figures})");
        }
        else
        {
            decision = MetricDecision.NoSignificantDifference;
            reason = $"{label} in {treatmentKey}: no significant difference yet ({ReasonText.Change(scale.RelativeEffect)}, {figures})";
        }
        return Result(comparison, treatmentKey, controlKey, adjustedFixed, adjustedP, decision, reason, interval) with
        {
            DecisionLevel = level,
            DecisionPValue = adjustedP,
        };
    }

    /// <summary>
    /// A guardrail, at level α without adjustment (intersection–union, see <see cref="VerdictEngine"/>): within its
    /// tolerance when the interval's harmful bound is inside it, beyond when the whole interval is past it, else not
    /// yet shown. The p-value tests "the effect equals the tolerance" on the same scale, so it is at most α exactly
    /// when the interval is wholly on one side of the tolerance.
    /// </summary>
    public static ComparisonResult Guardrail(ExperimentDefinition definition, MetricDefinition metric, KpiComparison comparison,
        RelativeScale scale, string treatmentKey, string controlKey, double adjustedFixed)
    {
        var alpha = definition.Alpha;
        var interval = scale.Interval(alpha);
        var harmUp = metric.EffectiveDirection == DesiredDirection.Decrease;
        var margin = harmUp ? metric.Tolerance : -metric.Tolerance;
        var toleranceP = scale.PValue(margin);
        var (nearBound, farBound) = harmUp ? (interval.Lower, interval.Upper) : (-interval.Upper, -interval.Lower);
        var status = farBound < metric.Tolerance ? GuardrailStatus.WithinTolerance
            : nearBound > metric.Tolerance ? GuardrailStatus.BeyondTolerance
            : GuardrailStatus.NotYetShown;
        var label = ReasonText.Label(metric);
        var tolerance = (harmUp ? "+" : "−") + ReasonText.Percent(metric.Tolerance);
        var figures = $"{ReasonText.Interval(interval, alpha, scale.IntervalKind)}, p = {ReasonText.PValue(toleranceP)} against {tolerance}";
        var change = $"guardrail {label} {ReasonText.Change(scale.RelativeEffect)} in {treatmentKey} ({figures})";
        var reason = status switch
        {
            GuardrailStatus.WithinTolerance => $"{change}: within its {tolerance} tolerance",
            GuardrailStatus.BeyondTolerance => $"{change}: beyond its {tolerance} tolerance",
            _ => $"{change}: not yet shown within its {tolerance} tolerance",
        };
        var significantlyWorse = harmUp ? interval.Lower > 0 : interval.Upper < 0;
        var significantlyBetter = harmUp ? interval.Upper < 0 : interval.Lower > 0;
        var decision = status == GuardrailStatus.BeyondTolerance ? MetricDecision.Worse
            : significantlyWorse ? MetricDecision.WorseWithinTolerance
            : significantlyBetter ? MetricDecision.Better
            : MetricDecision.NoSignificantDifference;
        return Result(comparison, treatmentKey, controlKey, adjustedFixed, comparison.Sequential.PValue, decision, reason, interval) with
        {
            DecisionLevel = alpha,
            DecisionPValue = toleranceP,
            Guardrail = status,
        };
    }

    private static ComparisonResult Result(KpiComparison comparison, string treatmentKey, string controlKey, double adjustedFixed,
        double adjustedSequential, MetricDecision decision, string reason, ConfidenceInterval interval) =>
        new(treatmentKey, controlKey, comparison.Fixed, comparison.Sequential, adjustedFixed, adjustedSequential,
            RuledOutEffect.From(comparison.Sequential.RelativeCi).Magnitude, comparison.Supplementary, decision, [reason])
        {
            DecisionInterval = interval,
        };
}
