using System.Globalization;
using Experiments.Statistics.Engine.Aggregation;

namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>
/// The overall decision from the per-comparison ones (the rule is stated on <see cref="VerdictEngine"/>): ROLL_BACK once
/// a guardrail is shown beyond its tolerance, and from then on; SHIP a treatment whose primary KPI is significantly
/// better while every guardrail is shown within its tolerance, and from then on unless a breach comes; otherwise INCONCLUSIVE at the horizon when the primary
/// effect is bounded within ±MDE, else KEEP_RUNNING naming what is still unknown.
/// </summary>
internal static class VerdictRule
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static (VerdictDecisionKind Decision, string? Winner, GuardrailBreach? Breach, ShipDecision? Ship) Decide(ExperimentDefinition definition,
        List<MetricResult> metrics, HorizonResult horizon, List<string> reasons, GuardrailBreach? earlier, ShipDecision? earlierShip, DateTimeOffset asOf)
    {
        var guardrails = metrics.Where(m => m.Metric.Role == MetricRole.Guardrail).ToList();
        var breaches = guardrails
            .SelectMany(m => m.Comparisons.Where(c => c.Guardrail == GuardrailStatus.BeyondTolerance).Select(c => (m.Metric, c)))
            .ToList();
        if (breaches.Count > 0 || earlier is not null)
        {
            reasons.AddRange(breaches.SelectMany(b => b.c.Reasons));
            var breach = earlier ?? new GuardrailBreach(breaches[0].Metric.Key, breaches[0].c.VariantKey, asOf, breaches[0].c.Reasons[0]);
            if (earlier is not null)
            {
                reasons.Add(string.Create(Invariant,
                    $"ROLL_BACK since {earlier.AsOfTime.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, when {earlier.Reason}; it stays: the always-valid intervals hold at every look at once, so later looks do not undo a breach they showed"));
            }
            if (earlierShip is not null)
            {
                reasons.Add(string.Create(Invariant,
                    $"{earlierShip.VariantKey} was SHIP since {earlierShip.AsOfTime.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC; a guardrail shown beyond its tolerance overrides it"));
            }
            return (VerdictDecisionKind.RollBack, null, breach, earlierShip);
        }

        var primaries = metrics.Where(m => m.Metric.Role == MetricRole.Primary).ToList();
        string? winner = null;
        var winnerEffect = double.NegativeInfinity;
        var unknown = new List<string>();
        for (var a = 0; a < definition.Variants.Count; a++)
        {
            if (a == definition.ControlIndex)
            {
                continue;
            }
            var key = definition.Variants[a].Key;
            var primary = primaries.SelectMany(m => m.Comparisons.Where(c => c.VariantKey == key)).ToList();
            var better = primary.Where(c => c.Decision == MetricDecision.Better).ToList();
            if (better.Count == 0 || primary.Any(c => c.Decision == MetricDecision.Worse))
            {
                continue;
            }
            // SHIP needs each guardrail shown within its tolerance; one without a comparison yet is not shown.
            var notShown = guardrails
                .Select(m => (m, c: m.Comparisons.FirstOrDefault(c => c.VariantKey == key)))
                .Where(g => g.c?.Guardrail != GuardrailStatus.WithinTolerance)
                .ToList();
            if (notShown.Count > 0)
            {
                unknown.AddRange(notShown.Select(g => g.c is null
                    ? $"do not ship {key} yet: guardrail {ReasonText.Label(g.m.Metric)} has too few data to be shown within its tolerance"
                    : $"do not ship {key} yet: {g.c.Reasons[0]}"));
                continue;
            }
            var effect = better.Max(c => Math.Abs(c.Sequential.RelativeEffect));
            if (effect > winnerEffect)
            {
                winnerEffect = effect;
                winner = key;
            }
        }
        if (winner is not null && (earlierShip is null || earlierShip.VariantKey == winner))
        {
            reasons.AddRange(primaries.SelectMany(m => m.Comparisons.Where(c => c.VariantKey == winner && c.Decision == MetricDecision.Better)).SelectMany(c => c.Reasons));
            reasons.AddRange(guardrails.SelectMany(m => m.Comparisons.Where(c => c.VariantKey == winner)).SelectMany(c => c.Reasons));
            if (guardrails.Count == 0)
            {
                reasons.Add("the experiment has no guardrails");
            }
            var primaryReason = primaries.SelectMany(m => m.Comparisons.Where(c => c.VariantKey == winner && c.Decision == MetricDecision.Better)).First().Reasons[0];
            return (VerdictDecisionKind.Ship, winner, null, earlierShip ?? new ShipDecision(winner, asOf, primaryReason));
        }
        if (earlierShip is not null)
        {
            // This look alone would not ship (an interval straddles again), but the first SHIP was a valid place to stop.
            reasons.AddRange(primaries.SelectMany(m => m.Comparisons.Where(c => c.VariantKey == earlierShip.VariantKey)).SelectMany(c => c.Reasons));
            reasons.AddRange(guardrails.SelectMany(m => m.Comparisons.Where(c => c.VariantKey == earlierShip.VariantKey)).SelectMany(c => c.Reasons));
            reasons.Add(string.Create(Invariant,
                $"SHIP since {earlierShip.AsOfTime.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, when {earlierShip.Reason}; it stays: the always-valid intervals hold at every look at once, so the first SHIP was a valid place to stop, and later looks only watch the guardrails for harm"));
            return (VerdictDecisionKind.Ship, earlierShip.VariantKey, null, earlierShip);
        }

        reasons.AddRange(unknown);
        foreach (var worse in primaries.SelectMany(m => m.Comparisons.Where(c => c.Decision == MetricDecision.Worse)))
        {
            reasons.AddRange(worse.Reasons.Select(r => "do not ship: " + r));
        }
        var primaryComparisons = primaries.SelectMany(m => m.Comparisons).ToList();
        if (horizon.Reached && primaryComparisons.Count > 0 && primaryComparisons.All(c => c.Decision == MetricDecision.Equivalent))
        {
            foreach (var m in primaries)
            {
                var ruledOut = m.Comparisons.Max(c => Math.Max(Math.Abs(c.DecisionInterval.Lower), Math.Abs(c.DecisionInterval.Upper)));
                var mde = m.Metric.MinimumDetectableEffect > 0 ? m.Metric.MinimumDetectableEffect : definition.MinimumDetectableEffect;
                reasons.Add(string.Create(Invariant,
                    $"horizon reached: {ReasonText.Label(m.Metric)} shows no effect; effects beyond ±{ReasonText.Percent(ruledOut)} are ruled out (MDE ±{ReasonText.Percent(mde)})"));
            }
            return (VerdictDecisionKind.Inconclusive, null, null, null);
        }
        if (horizon.Reached)
        {
            reasons.Add("horizon reached, but the primary effect is not yet bounded within ±MDE: keep running or accept a larger ruled-out effect");
        }
        else if (reasons.Count == 0)
        {
            reasons.Add("no primary KPI is significantly better yet and no guardrail is shown beyond its tolerance");
        }
        foreach (var m in primaries.Concat(guardrails).Where(m => m.Power is not null))
        {
            var power = m.Power!;
            var eta = power.EstimatedTimeRemaining is { } remaining && remaining > TimeSpan.Zero
                ? $" (≈ {ReasonText.Duration(remaining)} more at the enrolment rate so far, in event time)"
                : "";
            var goal = power.NonInferiority
                ? $"to show it within its {ReasonText.Percent(power.MinimumDetectableEffect)} tolerance if it is unharmed"
                : $"to detect the {ReasonText.Percent(power.MinimumDetectableEffect)} MDE";
            reasons.Add(power.ObservedUnitsPerArm >= power.RequiredUnitsPerArm
                ? string.Create(Invariant, $"{ReasonText.Label(m.Metric)}: {power.ObservedUnitsPerArm} units per arm, past the {power.RequiredUnitsPerArm} planned {goal} with {ReasonText.Percent(power.TargetPower)} power")
                : string.Create(Invariant, $"{ReasonText.Label(m.Metric)}: {power.ObservedUnitsPerArm} of {power.RequiredUnitsPerArm} units per arm needed {goal} with {ReasonText.Percent(power.TargetPower)} power{eta}"));
        }
        return (VerdictDecisionKind.KeepRunning, null, null, null);
    }
}
