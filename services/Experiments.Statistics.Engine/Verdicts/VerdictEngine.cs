using System.Globalization;
using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.MultipleTesting;
using Experiments.Statistics.Engine.Power;
using Experiments.Statistics.Engine.SampleRatio;
using Experiments.Statistics.Engine.Sequential;

namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>
/// Turns an experiment's per-variant aggregates into a verdict: SRM gate, one test per KPI chosen by the
/// randomization unit, always-valid confidence sequences beside fixed-horizon results, multiplicity correction
/// across the superiority tests, guardrail tolerances, power, tail contributors, and a decision with reasons.
/// </summary>
/// <remarks>
/// <para>
/// The rule (a deployment gate: it must never ship a harmful change). SHIP a treatment only when a primary KPI is
/// significantly better and every guardrail is shown non-inferior: the harmful bound of its always-valid interval
/// lies inside its tolerance. ROLL_BACK when any guardrail's always-valid interval lies entirely beyond its tolerance.
/// Otherwise KEEP_RUNNING, naming what is still unknown; INCONCLUSIVE at the horizon with the primary effect bounded
/// within ±MDE; INVALID on a sample ratio mismatch or conflicting exposures.
/// </para>
/// <para>
/// Every figure a decision uses comes from one always-valid interval of the relative effect and the p-value dual to
/// it, on the log ratio (<see cref="RelativeScale"/>), so they cannot disagree. Primary and secondary KPIs form the
/// family of superiority tests the experiment's correction (Holm by default) adjusts; their decision interval is
/// taken at the level the correction leaves each comparison (<see cref="ComparisonRule.Superiority"/>).
/// </para>
/// <para>
/// Guardrails are tested at α each, unadjusted. SHIP requires all of them non-inferior: an intersection–union test,
/// whose level is the largest of its component tests' levels, so no multiplicity adjustment is needed (Berger,
/// "Multiparameter hypothesis testing and acceptance sampling", Technometrics 24, 1982; Berger &amp; Hsu, Statistical
/// Science 11, 1996). Hence P(SHIP while some guardrail is harmed at or beyond its tolerance) ≤ P(that guardrail's
/// interval ever misses its true effect) ≤ α, at every look at once. A ROLL_BACK on noise needs some guardrail's
/// interval to miss its true effect by more than the tolerance; that error stops a change that was fine, and each
/// guardrail contributes at most α to it.
/// </para>
/// <para>
/// A ROLL_BACK, once reached, stays (<see cref="GuardrailBreach"/>): confidence sequences cover at every look
/// simultaneously, so any stopping rule may act on the first look that shows a breach (Howard et al., arXiv
/// 1810.08240, §1; the running intersection of the intervals stays valid), and a later look that straddles the
/// tolerance again does not undo it. A SHIP, once reached, stays too (<see cref="ShipDecision"/>): stopping at the
/// first look that shows it is such a stopping rule, and the looks after it only watch the guardrails, so that harm
/// shown later still turns it into ROLL_BACK (more caution than stopping, never less).
/// </para>
/// </remarks>
public static class VerdictEngine
{
    /// <summary>SRM p-value below which every verdict is INVALID.</summary>
    public const double SampleRatioThreshold = SampleRatioMismatchTest.DefaultThreshold;

    /// <summary>Share of units exposed to two variants above which the data are not trusted.</summary>
    public const double MaxConflictingShare = 0.01;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The verdict for <paramref name="aggregate"/> (merged over all shards) computed at <paramref name="computeTime"/>.</summary>
    /// <param name="earlierBreach">The breach an earlier verdict of this experiment showed, if any: the ROLL_BACK stays.</param>
    /// <param name="earlierShip">The first SHIP an earlier verdict showed, if any: it stays unless a guardrail is now shown beyond its tolerance.</param>
    public static VerdictResult Evaluate(ExperimentAggregate aggregate, DateTimeOffset computeTime, GuardrailBreach? earlierBreach = null,
        ShipDecision? earlierShip = null)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        var definition = aggregate.Definition;
        var asOf = aggregate.LastEventUnixSeconds == long.MinValue ? computeTime : DateTimeOffset.FromUnixTimeSeconds(aggregate.LastEventUnixSeconds);
        var sequence = new NormalMixtureConfidenceSequence(definition.TuningSampleSize, definition.Alpha);
        var horizon = Horizon(aggregate, asOf);
        var srm = SampleRatio(aggregate);
        var reasons = new List<string>();
        var control = definition.ControlIndex;
        var controlKey = definition.Variants[control].Key;

        var conflictShare = aggregate.TotalUnits == 0 ? 0 : (double)aggregate.ConflictingUnits / aggregate.TotalUnits;
        var invalid = !srm.Passed || conflictShare > MaxConflictingShare;
        if (!srm.Passed)
        {
            reasons.Add(string.Create(Invariant, $"sample ratio mismatch: p = {ReasonText.PValue(srm.PValue)} (χ² = {ReasonText.Number(srm.ChiSquare)}, exposures {string.Join(" / ", srm.Observed)} against weights {string.Join(" / ", definition.Variants.Select(v => ReasonText.Number(v.Weight)))}); no other conclusion is drawn"));
        }
        if (conflictShare > MaxConflictingShare)
        {
            reasons.Add(string.Create(Invariant, $"data quality: {ReasonText.Percent(conflictShare)} of units were exposed to more than one variant (limit {ReasonText.Percent(MaxConflictingShare)})"));
        }

        // Pass 1: tests per KPI.
        var evaluator = new MetricEvaluator(aggregate, sequence, asOf.ToUnixTimeSeconds());
        var raw = new List<(string TestName, ArmResult[] Arms, List<KpiComparison> Comparisons, List<string> Caveats)>();
        for (var k = 0; k < definition.Metrics.Count; k++)
        {
            raw.Add(evaluator.Evaluate(k));
        }

        // Pass 2: multiplicity across the superiority tests (primary and secondary KPIs, every treatment); guardrails
        // stand outside the family (intersection–union, see the remarks). Fixed-horizon p-values get the same treatment.
        IEffectInference decisions = definition.SingleLook ? FixedHorizonNormal.Instance : sequence;
        var scales = raw.Select(r => r.Comparisons.Select(c => RelativeScale.Of(c.Control, c.Treatment, decisions)).ToList()).ToList();
        var family = new List<double>();
        var fixedP = new List<double>();
        var index = new List<(int K, int C)>();
        for (var k = 0; k < raw.Count; k++)
        {
            for (var c = 0; c < raw[k].Comparisons.Count; c++)
            {
                var p = scales[k][c].PValue();
                if (definition.Metrics[k].Role == MetricRole.Guardrail || double.IsNaN(p) || double.IsNaN(raw[k].Comparisons[c].Fixed.PValue))
                {
                    continue;
                }
                family.Add(p);
                fixedP.Add(raw[k].Comparisons[c].Fixed.PValue);
                index.Add((k, c));
            }
        }
        var adjustedFamily = Adjust(family, definition);
        var adjustedFixed = Adjust(fixedP, definition);
        var adjusted = new Dictionary<(int, int), (double Raw, double Sequential, double Fixed)>();
        for (var i = 0; i < index.Count; i++)
        {
            adjusted[index[i]] = (family[i], adjustedFamily[i], adjustedFixed[i]);
        }

        // Pass 3: decisions per comparison and per KPI.
        var metrics = new List<MetricResult>();
        for (var k = 0; k < raw.Count; k++)
        {
            var metric = definition.Metrics[k];
            var (testName, arms, comparisons, caveats) = raw[k];
            var results = new List<ComparisonResult>();
            for (var c = 0; c < comparisons.Count; c++)
            {
                var comparison = comparisons[c];
                var treatmentKey = definition.Variants[comparison.Arm].Key;
                if (invalid)
                {
                    results.Add(new ComparisonResult(treatmentKey, controlKey, comparison.Fixed, comparison.Sequential, double.NaN, double.NaN,
                        double.NaN, comparison.Supplementary, MetricDecision.NotEvaluated, ["not evaluated: the verdict is INVALID"]));
                    continue;
                }
                if (metric.Role == MetricRole.Guardrail)
                {
                    // Outside the corrected family, so its fixed-horizon p-value stays unadjusted too.
                    results.Add(ComparisonRule.Guardrail(definition, metric, comparison, scales[k][c], treatmentKey, controlKey, comparison.Fixed.PValue));
                    continue;
                }
                var (rawP, adjustedP, fixedAdjusted) = adjusted.TryGetValue((k, c), out var a) ? a : (double.NaN, double.NaN, double.NaN);
                results.Add(ComparisonRule.Superiority(definition, metric, comparison, scales[k][c], treatmentKey, controlKey, fixedAdjusted, rawP, adjustedP));
            }
            var metricDecision = invalid ? MetricDecision.NotEvaluated : MetricLevelDecision(metric, results);
            var metricReasons = new List<string>();
            if (results.Count == 0 && !invalid)
            {
                metricReasons.Add("insufficient data: every arm needs at least two units with data for this KPI");
            }
            metricReasons.AddRange(results.SelectMany(r => r.Reasons));
            metricReasons.AddRange(caveats);
            var power = PowerPlanner.Of(aggregate, sequence, metric, comparisons);
            var undecided = metric.Role == MetricRole.Guardrail
                ? results.Any(r => r.Guardrail == GuardrailStatus.NotYetShown)
                : metricDecision is MetricDecision.NoSignificantDifference or MetricDecision.InsufficientData;
            if (power is not null && undecided && !invalid)
            {
                var goal = power.NonInferiority
                    ? $"show it within its {ReasonText.Percent(power.MinimumDetectableEffect)} tolerance if it is unharmed"
                    : $"detect a {ReasonText.Percent(power.MinimumDetectableEffect)} effect";
                metricReasons.Add(power.ObservedUnitsPerArm >= power.RequiredUnitsPerArm
                    ? string.Create(Invariant, $"{power.ObservedUnitsPerArm} units in the smallest arm, past the {power.RequiredUnitsPerArm} per arm planned to {goal} with {ReasonText.Percent(power.TargetPower)} power ({power.FixedHorizonUnitsPerArm} for a single fixed-horizon look)")
                    : string.Create(Invariant, $"{power.ObservedUnitsPerArm} units in the smallest arm of the {power.RequiredUnitsPerArm} per arm needed to {goal} with {ReasonText.Percent(power.TargetPower)} power ({power.FixedHorizonUnitsPerArm} for a single fixed-horizon look)"));
            }
            var tail = metric.Kind is MetricKind.LatencyMean or MetricKind.LatencyP50 or MetricKind.LatencyP95 or MetricKind.LatencyP99
                ? TailReport.For(aggregate, aggregate.Layout.GroupOf[k], MetricLayout.TailProbability(metric.Kind))
                : [];
            metrics.Add(new MetricResult(metric, testName, arms, results, results.Count == 0 && !invalid ? MetricDecision.InsufficientData : metricDecision,
                metricReasons, power, tail));
        }

        if (invalid)
        {
            // The data cannot be trusted now; a breach shown earlier is carried so that it is not forgotten.
            if (earlierBreach is not null)
            {
                reasons.Add(string.Create(Invariant,
                    $"an earlier look showed ROLL_BACK ({earlierBreach.AsOfTime.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC: {earlierBreach.Reason}); it stands again once the data are valid"));
            }
            else if (earlierShip is not null)
            {
                reasons.Add(string.Create(Invariant,
                    $"an earlier look showed SHIP of {earlierShip.VariantKey} ({earlierShip.AsOfTime.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC: {earlierShip.Reason}); the data it rested on are in doubt until the sample ratio mismatch is explained"));
            }
            return new VerdictResult(definition.Id, definition.Revision, computeTime, asOf, VerdictDecisionKind.Invalid, null, reasons, srm, metrics, horizon)
            {
                Breach = earlierBreach,
                Ship = earlierShip,
            };
        }
        var (decisionKind, winner, breach, ship) = VerdictRule.Decide(definition, metrics, horizon, reasons, earlierBreach, earlierShip, asOf);
        return new VerdictResult(definition.Id, definition.Revision, computeTime, asOf, decisionKind, winner, reasons, srm, metrics, horizon)
        {
            Breach = breach,
            Ship = ship,
        };
    }

    private static double[] Adjust(List<double> pValues, ExperimentDefinition definition)
    {
        if (pValues.Count == 0)
        {
            return [];
        }
        var clamped = pValues.Select(p => Math.Clamp(p, 0, 1)).ToArray();
        return definition.Correction is { } method
            ? [.. MultipleTestingCorrection.Adjust(clamped, method, definition.Alpha).Adjusted]
            : clamped;
    }

    private static MetricDecision MetricLevelDecision(MetricDefinition metric, List<ComparisonResult> results)
    {
        if (results.Count == 0)
        {
            return MetricDecision.InsufficientData;
        }
        // The comparison the verdict rests on: the best treatment for primary/secondary, the worst for a guardrail.
        MetricDecision[] best = [MetricDecision.Better, MetricDecision.Equivalent, MetricDecision.NoSignificantDifference,
            MetricDecision.WorseWithinTolerance, MetricDecision.Worse, MetricDecision.InsufficientData, MetricDecision.NotEvaluated];
        MetricDecision[] worst = [MetricDecision.Worse, MetricDecision.WorseWithinTolerance, MetricDecision.NoSignificantDifference,
            MetricDecision.Equivalent, MetricDecision.Better, MetricDecision.InsufficientData, MetricDecision.NotEvaluated];
        var order = metric.Role == MetricRole.Guardrail ? worst : best;
        return results.Select(r => r.Decision).MinBy(d => Array.IndexOf(order, d));
    }

    // Event time throughout, the clock of the as-of time and of the power analysis's estimate: from the first exposure
    // to the latest event. The start RPC's wall-clock time would mix clocks whenever events are dated otherwise
    // (backfills, the demo's simulated days), reading "0 s elapsed" for a run minutes old.
    private static HorizonResult Horizon(ExperimentAggregate aggregate, DateTimeOffset asOf)
    {
        var definition = aggregate.Definition;
        var start = aggregate.FirstExposureUnixSeconds != long.MaxValue
            ? DateTimeOffset.FromUnixTimeSeconds(aggregate.FirstExposureUnixSeconds)
            : definition.StartTime ?? asOf;
        var end = definition.StopTime is { } stop && stop < asOf ? stop : asOf;
        var elapsed = end > start ? end - start : TimeSpan.Zero;
        var units = aggregate.TotalUnits;
        var reached = (definition.MaxDuration is { } max && max > TimeSpan.Zero && elapsed >= max)
            || (definition.MaxUnits > 0 && units >= definition.MaxUnits)
            || definition.StopTime is not null;
        return new HorizonResult(elapsed, definition.MaxDuration, units, definition.MaxUnits, reached);
    }

    private static SampleRatioResult SampleRatio(ExperimentAggregate aggregate)
    {
        var definition = aggregate.Definition;
        var weights = definition.Variants.Select(v => v.Weight).ToArray();
        var total = weights.Sum();
        var shares = weights.Select(w => total > 0 ? w / total : 0).ToArray();
        var observed = aggregate.Exposed.ToArray();
        if (weights.Count(w => w > 0) < 2)
        {
            var expected = shares.Select(s => s * observed.Sum()).ToArray();
            return new SampleRatioResult(observed, shares, expected, 0, 0, 1, SampleRatioThreshold, true);
        }
        var result = SampleRatioMismatchTest.Test(observed, weights, SampleRatioThreshold);
        return new SampleRatioResult(observed, shares, result.Expected, result.ChiSquare, result.DegreesOfFreedom, result.PValue, SampleRatioThreshold, !result.IsMismatch);
    }
}
