using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.Power;
using Experiments.Statistics.Engine.Sequential;

namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>
/// How many units the always-valid rule needs, on the scale decisions are made on (the log ratio; the difference when
/// the control is not positive), from the control's observed variance assumed in both arms: for a primary or
/// secondary KPI, to detect the MDE; for a guardrail, to show it within its tolerance if the change leaves it unharmed.
/// SHIP needs both, so the larger of the two is how long a shippable experiment runs.
/// </summary>
internal static class PowerPlanner
{
    public static PowerResult? Of(ExperimentAggregate aggregate, NormalMixtureConfidenceSequence sequence, MetricDefinition metric, List<KpiComparison> comparisons)
    {
        var definition = aggregate.Definition;
        if (comparisons.Count == 0)
        {
            return null;
        }
        var control = comparisons[0].Control;
        var unitVariance = control.Variance * control.Units;
        if (!(unitVariance > 0) || !double.IsFinite(control.Value) || control.Value == 0)
        {
            return null;
        }
        var onLog = control.Value > 0;
        // On the log ratio the per-unit variance is the relative one, Var/C² (delta method).
        var scaleVariance = onLog ? unitVariance / (control.Value * control.Value) : unitVariance;
        var guardrail = metric.Role == MetricRole.Guardrail;
        var target = guardrail ? metric.Tolerance : metric.MinimumDetectableEffect > 0 ? metric.MinimumDetectableEffect : definition.MinimumDetectableEffect;
        if (!(target > 0))
        {
            return null;
        }
        var harmful = metric.EffectiveDirection == DesiredDirection.Decrease ? 1.0 : -1.0;
        // The MDE is planned in the desired direction, the margin on the harmful side.
        var signed = guardrail ? harmful * target : -harmful * target;
        var effect = onLog ? (signed > -1 ? Math.Abs(Math.Log(1 + signed)) : double.PositiveInfinity) : Math.Abs(signed * control.Value);
        long required, fixedHorizon;
        if (guardrail)
        {
            required = SequentialPower.RequiredUnitsForNonInferiority(sequence, effect, scaleVariance, definition.Power);
            // One-sided test at α/2 (the harmful side of the two-sided interval): n = 2σ²(z₁₋α/₂ + z_power)²/margin².
            var z = StandardNormal.UpperQuantile(definition.Alpha / 2) + StandardNormal.UpperQuantile(1 - definition.Power);
            fixedHorizon = (long)Math.Ceiling(2 * scaleVariance * z * z / (effect * effect));
        }
        else
        {
            required = SequentialPower.RequiredUnitsPerArm(sequence, effect, scaleVariance, definition.Power);
            try
            {
                fixedHorizon = PowerAnalysis.RequiredUnitsPerArm(control.Value, unitVariance, target, definition.Alpha, definition.Power).ControlUnits;
            }
            catch (ArgumentOutOfRangeException)
            {
                fixedHorizon = 0;
            }
        }
        var observed = comparisons.Min(c => Math.Min(c.Control.Units, c.Treatment.Units));
        TimeSpan? remaining = null;
        // Event time: from the first exposure to the latest event, the same clock as the verdict's as-of time.
        var enrolling = aggregate.LastEventUnixSeconds - aggregate.FirstExposureUnixSeconds;
        if (enrolling > 0 && observed > 0 && required < long.MaxValue)
        {
            var perArmPerSecond = (double)observed / enrolling;
            remaining = required <= observed ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min((required - observed) / perArmPerSecond, TimeSpan.MaxValue.TotalSeconds / 2));
        }
        return new PowerResult(target, definition.Power, required, fixedHorizon, observed, remaining) { NonInferiority = guardrail };
    }
}
