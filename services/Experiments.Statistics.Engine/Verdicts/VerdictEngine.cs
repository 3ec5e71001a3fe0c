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
/// across every comparison, guardrail tolerances, power, tail contributors, and a decision with reasons.
/// </summary>
/// <remarks>
/// Decisions rest on the always-valid p-values after the experiment's correction (Holm by default): each is
/// valid at every look simultaneously, and Holm's first false rejection needs some true null below α/m₀, so the
/// chance that any look ever ships or rolls back on noise stays at or below α. A guardrail's decisive p-value
/// tests "harm beyond the tolerance" (the relative effect's sequence shifted by the tolerance, harmful side only).
/// </remarks>
public static class VerdictEngine
{
    /// <summary>SRM p-value below which every verdict is INVALID.</summary>
    public const double SampleRatioThreshold = SampleRatioMismatchTest.DefaultThreshold;

    /// <summary>Share of units exposed to two variants above which the data are not trusted.</summary>
    public const double MaxConflictingShare = 0.01;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The verdict for <paramref name="aggregate"/> (merged over all shards) computed at <paramref name="computeTime"/>.</summary>
    public static VerdictResult Evaluate(ExperimentAggregate aggregate, DateTimeOffset computeTime)
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

        // Pass 2: multiplicity across every comparison of every KPI.
        var decisive = new List<double>();
        var fixedP = new List<double>();
        var index = new List<(int K, int C)>();
        for (var k = 0; k < raw.Count; k++)
        {
            for (var c = 0; c < raw[k].Comparisons.Count; c++)
            {
                var comparison = raw[k].Comparisons[c];
                var p = DecisivePValue(definition.Metrics[k], comparison, sequence);
                if (double.IsNaN(p) || double.IsNaN(comparison.Fixed.PValue))
                {
                    continue;
                }
                decisive.Add(p);
                fixedP.Add(comparison.Fixed.PValue);
                index.Add((k, c));
            }
        }
        var adjustedDecisive = Adjust(decisive, definition);
        var adjustedFixed = Adjust(fixedP, definition);
        var adjusted = new Dictionary<(int, int), (double Decisive, double Fixed)>();
        for (var i = 0; i < index.Count; i++)
        {
            adjusted[index[i]] = (adjustedDecisive[i], adjustedFixed[i]);
        }

        // Pass 3: decisions per comparison and per KPI.
        var metrics = new List<MetricResult>();
        for (var k = 0; k < raw.Count; k++)
        {
            var metric = definition.Metrics[k];
            var (testName, arms, comparisons, caveats) = raw[k];
            var results = new List<ComparisonResult>();
            foreach (var (comparison, c) in comparisons.Select((x, i) => (x, i)))
            {
                var treatmentKey = definition.Variants[comparison.Arm].Key;
                if (invalid)
                {
                    results.Add(Result(comparison, treatmentKey, controlKey, double.NaN, double.NaN, MetricDecision.NotEvaluated, ["not evaluated: the verdict is INVALID"]));
                    continue;
                }
                var (adjustedSequential, adjustedFixedP) = adjusted.TryGetValue((k, c), out var a) ? a : (double.NaN, double.NaN);
                var (decision, why) = Decide(definition, metric, comparison, treatmentKey, adjustedSequential);
                results.Add(Result(comparison, treatmentKey, controlKey, adjustedFixedP, adjustedSequential, decision, why));
            }
            var metricDecision = invalid ? MetricDecision.NotEvaluated : MetricLevelDecision(metric, results);
            var metricReasons = new List<string>();
            if (results.Count == 0 && !invalid)
            {
                metricReasons.Add("insufficient data: every arm needs at least two units with data for this KPI");
            }
            metricReasons.AddRange(results.SelectMany(r => r.Reasons));
            metricReasons.AddRange(caveats);
            var power = PowerOf(aggregate, sequence, metric, comparisons, arms, horizon);
            if (power is not null && metricDecision is MetricDecision.NoSignificantDifference or MetricDecision.InsufficientData)
            {
                metricReasons.Add(string.Create(Invariant,
                    $"{power.ObservedUnitsPerArm} units in the smallest arm of the {power.RequiredUnitsPerArm} per arm needed to detect a {ReasonText.Percent(power.MinimumDetectableEffect)} effect with {ReasonText.Percent(power.TargetPower)} power ({power.FixedHorizonUnitsPerArm} for a single fixed-horizon look)"));
            }
            var tail = metric.Kind is MetricKind.LatencyMean or MetricKind.LatencyP50 or MetricKind.LatencyP95 or MetricKind.LatencyP99
                ? TailReport.For(aggregate, aggregate.Layout.GroupOf[k], MetricLayout.TailProbability(metric.Kind))
                : [];
            metrics.Add(new MetricResult(metric, testName, arms, results, results.Count == 0 && !invalid ? MetricDecision.InsufficientData : metricDecision,
                metricReasons, power, tail));
        }

        var (decisionKind, winner) = invalid ? (VerdictDecisionKind.Invalid, null) : Overall(definition, metrics, horizon, reasons);
        return new VerdictResult(definition.Id, definition.Revision, computeTime, asOf, decisionKind, winner, reasons, srm, metrics, horizon);
    }

    private static ComparisonResult Result(KpiComparison comparison, string treatmentKey, string controlKey, double adjustedFixed, double adjustedSequential, MetricDecision decision, List<string> reasons) =>
        new(treatmentKey, controlKey, comparison.Fixed, comparison.Sequential, adjustedFixed, adjustedSequential,
            RuledOutEffect.From(comparison.Sequential.RelativeCi).Magnitude, comparison.Supplementary, decision, reasons);

    private static double DecisivePValue(MetricDefinition metric, KpiComparison comparison, NormalMixtureConfidenceSequence sequence)
    {
        if (metric.Role != MetricRole.Guardrail)
        {
            return comparison.Sequential.PValue;
        }
        // H₀: harm ≤ tolerance. Only the harmful side counts: a significant improvement is no breach.
        var harmSign = metric.EffectiveDirection == DesiredDirection.Decrease ? 1.0 : -1.0;
        var relative = RelativeEffect.Estimate(comparison.Control, comparison.Treatment);
        var units = comparison.Control.Units + comparison.Treatment.Units;
        if (double.IsNaN(relative.Value) || units <= 0)
        {
            return double.NaN;
        }
        var excess = relative.Value - harmSign * metric.Tolerance;
        if (excess * harmSign <= 0)
        {
            return 1;
        }
        return sequence.PValue(new EffectEstimate(excess, relative.Variance), units);
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

    private static (MetricDecision, List<string>) Decide(ExperimentDefinition definition, MetricDefinition metric, KpiComparison comparison, string treatmentKey, double adjustedDecisive)
    {
        var alpha = definition.Alpha;
        var sequential = comparison.Sequential;
        var relativeCs = sequential.RelativeCi;
        var improves = metric.EffectiveDirection == DesiredDirection.Increase ? sequential.AbsoluteEffect > 0 : sequential.AbsoluteEffect < 0;
        var mde = metric.MinimumDetectableEffect > 0 ? metric.MinimumDetectableEffect : definition.MinimumDetectableEffect;
        var label = ReasonText.Label(metric);
        var change = $"{label} {ReasonText.Change(sequential.RelativeEffect)} in {treatmentKey} ({ReasonText.Interval(relativeCs, alpha)}, adjusted p = {ReasonText.PValue(adjustedDecisive)})";
        if (metric.Role == MetricRole.Guardrail)
        {
            if (adjustedDecisive <= alpha)
            {
                return (MetricDecision.Worse, [$"guardrail breached: {change}, beyond the {ReasonText.Percent(metric.Tolerance)} tolerance"]);
            }
            if (!improves && sequential.PValue <= alpha)
            {
                return (MetricDecision.WorseWithinTolerance, [ShownWithinTolerance(metric, relativeCs)
                    ? $"guardrail worse but within its {ReasonText.Percent(metric.Tolerance)} tolerance: {change}"
                    : $"guardrail significantly worse, not yet shown within or beyond its {ReasonText.Percent(metric.Tolerance)} tolerance: {change}"]);
            }
            if (improves && sequential.PValue <= alpha)
            {
                return (MetricDecision.Better, [$"guardrail improved: {change}"]);
            }
        }
        else if (adjustedDecisive <= alpha)
        {
            return improves
                ? (MetricDecision.Better, [$"{change}: significantly better"])
                : (MetricDecision.Worse, [$"{change}: significantly worse"]);
        }
        var ruledOut = RuledOutEffect.From(relativeCs);
        if (ruledOut.IsWithin(mde))
        {
            return (MetricDecision.Equivalent, [string.Create(Invariant,
                $"{label} in {treatmentKey}: no significant difference; effects beyond ±{ReasonText.Percent(ruledOut.Magnitude)} are ruled out, within the ±{ReasonText.Percent(mde)} MDE")]);
        }
        return (MetricDecision.NoSignificantDifference, [string.Create(Invariant,
            $"{label} in {treatmentKey}: no significant difference yet ({ReasonText.Change(sequential.RelativeEffect)}, {ReasonText.Interval(relativeCs, alpha)})")]);
    }

    /// <summary>
    /// Whether the always-valid interval of the relative effect puts every plausible harm within the guardrail's
    /// tolerance (non-inferiority at the tolerance margin).
    /// </summary>
    private static bool ShownWithinTolerance(MetricDefinition metric, ConfidenceInterval relativeCs) =>
        metric.EffectiveDirection == DesiredDirection.Decrease
            ? relativeCs.Upper <= metric.Tolerance
            : relativeCs.Lower >= -metric.Tolerance;

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

    private static (VerdictDecisionKind, string?) Overall(ExperimentDefinition definition, List<MetricResult> metrics, HorizonResult horizon, List<string> reasons)
    {
        var breaches = metrics.Where(m => m.Metric.Role == MetricRole.Guardrail)
            .SelectMany(m => m.Comparisons.Where(c => c.Decision == MetricDecision.Worse)).ToList();
        if (breaches.Count > 0)
        {
            reasons.AddRange(breaches.SelectMany(c => c.Reasons));
            return (VerdictDecisionKind.RollBack, null);
        }
        var primaries = metrics.Where(m => m.Metric.Role == MetricRole.Primary).ToList();
        var control = definition.ControlIndex;
        string? winner = null;
        var winnerEffect = double.NegativeInfinity;
        var blockedByGuardrails = new List<string>();
        for (var a = 0; a < definition.Variants.Count; a++)
        {
            if (a == control)
            {
                continue;
            }
            var key = definition.Variants[a].Key;
            var primaryComparisons = primaries.SelectMany(m => m.Comparisons.Where(c => c.VariantKey == key).Select(c => (m.Metric, c))).ToList();
            if (!primaryComparisons.Any(p => p.c.Decision == MetricDecision.Better) || primaryComparisons.Any(p => p.c.Decision == MetricDecision.Worse))
            {
                continue;
            }
            // A guardrail known to be worse blocks shipping until its interval shows the harm within the tolerance:
            // "not significantly beyond" alone would ship a +200% p99 whose interval still reaches below +10%.
            var unresolved = metrics.Where(m => m.Metric.Role == MetricRole.Guardrail)
                .SelectMany(m => m.Comparisons.Where(c => c.VariantKey == key && c.Decision == MetricDecision.WorseWithinTolerance
                    && !ShownWithinTolerance(m.Metric, c.Sequential.RelativeCi)))
                .ToList();
            if (unresolved.Count > 0)
            {
                blockedByGuardrails.AddRange(unresolved.SelectMany(c => c.Reasons).Select(r => $"do not ship {key} yet: {r}"));
                continue;
            }
            var (metric, best) = primaryComparisons.First(p => p.c.Decision == MetricDecision.Better);
            var improvement = Math.Abs(best.Sequential.RelativeEffect);
            if (improvement > winnerEffect)
            {
                winnerEffect = improvement;
                winner = key;
            }
        }
        if (winner is not null)
        {
            reasons.AddRange(primaries.SelectMany(m => m.Comparisons.Where(c => c.VariantKey == winner && c.Decision == MetricDecision.Better)).SelectMany(c => c.Reasons));
            reasons.Add("no guardrail is breached");
            return (VerdictDecisionKind.Ship, winner);
        }
        reasons.AddRange(blockedByGuardrails);
        foreach (var worse in primaries.SelectMany(m => m.Comparisons.Where(c => c.Decision == MetricDecision.Worse)))
        {
            reasons.AddRange(worse.Reasons.Select(r => "do not ship: " + r));
        }
        var primaryComparisonsAll = primaries.SelectMany(m => m.Comparisons).ToList();
        if (horizon.Reached && primaryComparisonsAll.Count > 0 && primaryComparisonsAll.All(c => c.Decision == MetricDecision.Equivalent))
        {
            foreach (var m in primaries)
            {
                var ruledOut = m.Comparisons.Max(c => c.RuledOutRelativeEffect);
                var mde = m.Metric.MinimumDetectableEffect > 0 ? m.Metric.MinimumDetectableEffect : definition.MinimumDetectableEffect;
                reasons.Add(string.Create(Invariant,
                    $"horizon reached: {ReasonText.Label(m.Metric)} shows no effect; effects beyond ±{ReasonText.Percent(ruledOut)} are ruled out (MDE ±{ReasonText.Percent(mde)})"));
            }
            return (VerdictDecisionKind.Inconclusive, null);
        }
        if (horizon.Reached)
        {
            reasons.Add("horizon reached, but the primary effect is not yet bounded within ±MDE: keep running or accept a larger ruled-out effect");
        }
        else if (reasons.Count == 0)
        {
            reasons.Add("no primary KPI is significantly better yet and no guardrail is breached");
        }
        foreach (var m in primaries.Where(m => m.Power is not null))
        {
            var eta = m.Power!.EstimatedTimeRemaining is { } remaining && remaining > TimeSpan.Zero
                ? string.Create(Invariant, $" (≈ {remaining.TotalHours:0.#} h at the current enrolment rate)")
                : "";
            reasons.Add(string.Create(Invariant,
                $"{ReasonText.Label(m.Metric)}: {m.Power.ObservedUnitsPerArm} of {m.Power.RequiredUnitsPerArm} units per arm needed for the MDE{eta}"));
        }
        return (VerdictDecisionKind.KeepRunning, null);
    }

    private static PowerResult? PowerOf(ExperimentAggregate aggregate, NormalMixtureConfidenceSequence sequence, MetricDefinition metric,
        List<KpiComparison> comparisons, ArmResult[] arms, HorizonResult horizon)
    {
        var definition = aggregate.Definition;
        var mde = metric.MinimumDetectableEffect > 0 ? metric.MinimumDetectableEffect : definition.MinimumDetectableEffect;
        if (comparisons.Count == 0 || !(mde > 0))
        {
            return null;
        }
        var control = comparisons[0].Control;
        var unitVariance = control.Variance * control.Units;
        if (!(unitVariance > 0) || !double.IsFinite(control.Value) || control.Value == 0)
        {
            return null;
        }
        var effect = mde * Math.Abs(control.Value);
        var required = SequentialPower.RequiredUnitsPerArm(sequence, effect, unitVariance, definition.Power);
        long fixedHorizon;
        try
        {
            fixedHorizon = PowerAnalysis.RequiredUnitsPerArm(control.Value, unitVariance, mde, definition.Alpha, definition.Power).ControlUnits;
        }
        catch (ArgumentOutOfRangeException)
        {
            fixedHorizon = 0;
        }
        var observed = comparisons.Min(c => Math.Min(c.Control.Units, c.Treatment.Units));
        TimeSpan? remaining = null;
        var enrolling = aggregate.LastEventUnixSeconds - aggregate.FirstExposureUnixSeconds;
        if (enrolling > 0 && observed > 0 && required < long.MaxValue)
        {
            var perArmPerSecond = (double)observed / enrolling;
            remaining = required <= observed ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min((required - observed) / perArmPerSecond, TimeSpan.MaxValue.TotalSeconds / 2));
        }
        _ = arms;
        _ = horizon;
        return new PowerResult(mde, definition.Power, required, fixedHorizon, observed, remaining);
    }

    private static HorizonResult Horizon(ExperimentAggregate aggregate, DateTimeOffset asOf)
    {
        var definition = aggregate.Definition;
        var start = definition.StartTime
            ?? (aggregate.FirstExposureUnixSeconds == long.MaxValue ? asOf : DateTimeOffset.FromUnixTimeSeconds(aggregate.FirstExposureUnixSeconds));
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
