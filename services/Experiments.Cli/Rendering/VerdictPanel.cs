using System.Globalization;
using Experiments.Contracts.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Experiments.Cli.Rendering;

/// <summary>
/// A verdict as people read it: the decision with its reasons, the sample-ratio check and the horizon, then one table
/// per KPI with each treatment against the control — values per arm, the always-valid interval and p-value the decision
/// used (a guardrail's row says whether it is within, beyond or not yet shown within its tolerance), the fixed-horizon
/// figures labelled as such, decision and reasons.
/// </summary>
internal static class VerdictPanel
{
    public static IRenderable Render(Verdict verdict)
    {
        var parts = new List<IRenderable>
        {
            new Markup(
                $"[bold]{Markup.Escape(verdict.ExperimentId)}[/] · revision {verdict.ExperimentRevision} · {ExperimentViews.StatusMarkup(verdict.ExperimentStatus)}" +
                $" · computed {Formats.Time(verdict.ComputeTime)} (data up to {Formats.Time(verdict.AsOfTime)})"),
            new Markup(DecisionLine(verdict)),
        };
        if (verdict.GuardrailBreach is { } breach)
        {
            parts.Add(new Markup(Markup.Escape(
                $"ROLL_BACK since {Formats.Time(breach.AsOfTime)} ({breach.KpiKey} in {breach.VariantKey}); a breach shown by the always-valid interval stays")));
        }
        if (verdict.Reasons.Count > 0)
        {
            parts.Add(Bullets(verdict.Reasons));
        }
        if (verdict.SampleRatioCheck is { } srm)
        {
            parts.Add(new Markup("[bold]Sample ratio:[/] " + SampleRatioLine(srm)));
        }
        if (verdict.Horizon is { } horizon)
        {
            parts.Add(new Markup("[bold]Horizon:[/] " + Markup.Escape(Horizon(horizon))));
        }
        parts.Add(new Markup(Markup.Escape(
            $"Unit {Names.Of(verdict.RandomizationUnit)} · alpha {Formats.Number(Alpha(verdict))} · correction {Names.Of(verdict.MultipleTestingCorrection == MultipleTestingCorrection.Unspecified ? MultipleTestingCorrection.Holm : verdict.MultipleTestingCorrection)}")));
        foreach (var result in verdict.KpiResults)
        {
            parts.Add(Text.Empty);
            parts.Add(Kpi(result, Alpha(verdict)));
        }
        return new Rows(parts);
    }

    // A stopped experiment's verdict is final: it says so rather than KEEP_RUNNING.
    private static string DecisionLine(Verdict verdict)
    {
        var decision = DecisionMarkup(verdict.Decision) +
            (verdict.WinningVariantKey.Length > 0 ? $" [bold]{Markup.Escape(verdict.WinningVariantKey)}[/]" : "") +
            (verdict.AutoRollbackTriggered ? " [red](auto-rollback triggered: the flag serves the control)[/]" : "");
        return verdict.ExperimentStatus == ExperimentStatus.Stopped
            ? $"[bold]Decision:[/] [bold]STOPPED[/] · last decision {decision}"
            : $"[bold]Decision:[/] {decision}";
    }

    public static string DecisionMarkup(VerdictDecision decision) => decision switch
    {
        VerdictDecision.Ship => "[bold green]SHIP[/]",
        VerdictDecision.RollBack => "[bold red]ROLL_BACK[/]",
        VerdictDecision.KeepRunning => "[bold blue]KEEP_RUNNING[/]",
        VerdictDecision.Inconclusive => "[bold yellow]INCONCLUSIVE[/]",
        VerdictDecision.Invalid => "[bold red]INVALID[/]",
        _ => Names.Of(decision),
    };

    private static double Alpha(Verdict verdict) => verdict.Alpha == 0 ? 0.05 : verdict.Alpha;

    private static IRenderable Kpi(KpiResult result, double alpha)
    {
        var level = (1 - alpha).ToString("0.##%", CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal);
        var title = $"{result.KpiKey} · {Names.Of(result.Kind)}" +
            (result.ApiName.Length > 0 ? $" of {result.ApiName}" : "") +
            $" · {Names.Of(result.Role)}" +
            (result.Direction == DesiredDirection.Unspecified ? "" : $" · {Names.Of(result.Direction).ToLowerInvariant()} is better") +
            (result.TestName.Length > 0 ? $" · {result.TestName}" : "");
        var table = new Table().Border(TableBorder.Rounded).Title(new TableTitle(title, new Style(decoration: Decoration.Bold)))
            .AddColumns("VARIANT", "CONTROL", "TREATMENT", "EFFECT (always-valid CI the decision used)", "P-VALUE the decision used", "FIXED-HORIZON (reference only)", "DECISION", "REASONS");
        var control = result.Arms.FirstOrDefault();
        foreach (var comparison in result.Comparisons)
        {
            var treatment = result.Arms.FirstOrDefault(a => a.VariantKey == comparison.VariantKey);
            Func<double, string> relative = v => Formats.Share(v, signed: true);
            Func<double, string> absolute = v => Formats.KpiValue(result.Kind, v, signed: true);
            var decisionLevel = comparison.DecisionLevel > 0 ? comparison.DecisionLevel : alpha;
            var interval = comparison.DecisionInterval ?? comparison.RelativeConfidenceSequence;
            table.AddRow(
                new Text(comparison.VariantKey + (comparison.ControlVariantKey.Length > 0 ? $"\nvs {comparison.ControlVariantKey}" : "")),
                new Text(Arm(result.Kind, control)),
                new Text(Arm(result.Kind, treatment)),
                new Text($"{relative(comparison.RelativeEffect)} {Formats.Interval(interval, relative)} ({Formats.Level(decisionLevel)})\n" +
                    $"{absolute(comparison.AbsoluteEffect)} {Formats.Interval(comparison.AbsoluteConfidenceSequence, absolute)} ({Formats.Level(alpha)}, absolute)"),
                new Text(DecisionPValue(result, comparison)),
                new Text($"{relative(comparison.RelativeEffect)} {Formats.Interval(comparison.RelativeCi, relative)}\np = {Formats.PValue(comparison.PValue)}, adjusted {Formats.PValue(comparison.AdjustedPValue)}"),
                new Markup(KpiDecisionMarkup(comparison.Decision) + GuardrailMarkup(result, comparison)),
                new Text(string.Join('\n', comparison.Reasons)));
        }
        if (result.Comparisons.Count == 0)
        {
            table.AddRow(new Text("—"), new Text(Arm(result.Kind, control)), new Text("—"), new Text("—"), new Text("—"), new Text("—"),
                new Markup(KpiDecisionMarkup(result.Decision) + (result.Role == KpiRole.Guardrail ? "\n[yellow]not yet shown within tolerance[/]" : "")),
                new Text(string.Join('\n', result.Reasons)));
        }

        var parts = new List<IRenderable> { table, new Markup($"  KPI decision: {KpiDecisionMarkup(result.Decision)}") };
        if (result.Reasons.Count > 0)
        {
            parts.Add(Bullets(result.Reasons));
        }
        if (result.Power is { RequiredUnitsPerArm: > 0 } power)
        {
            parts.Add(new Text("  " + Power(power)));
        }
        if (result.TailContributors.Count > 0)
        {
            parts.Add(new Text("  Tail: " + string.Join("; ", result.TailContributors.Take(3).Select(Tail))));
        }
        return new Rows(parts);
    }

    private static string DecisionPValue(KpiResult result, ArmComparison comparison)
    {
        if (double.IsNaN(comparison.DecisionPValue))
        {
            return "—";
        }
        return result.Role == KpiRole.Guardrail
            ? $"p = {Formats.PValue(comparison.DecisionPValue)}\nalways-valid, against the {Formats.Share(Harm(result))} tolerance"
            : $"p = {Formats.PValue(comparison.DecisionPValue)}\nalways-valid, adjusted";
    }

    // The tolerance on the harmful side: +10% for a KPI that should decrease, −10% for one that should increase.
    private static double Harm(KpiResult result) => result.Direction == DesiredDirection.Increase ? -result.Tolerance : result.Tolerance;

    private static string GuardrailMarkup(KpiResult result, ArmComparison comparison) => comparison.GuardrailStatus switch
    {
        GuardrailStatus.WithinTolerance => $"\n[green]within tolerance[/] ({Markup.Escape(Formats.Share(Harm(result), signed: true))})",
        GuardrailStatus.BeyondTolerance => $"\n[red]beyond tolerance[/] ({Markup.Escape(Formats.Share(Harm(result), signed: true))})",
        GuardrailStatus.NotYetShown => $"\n[yellow]not yet shown within tolerance[/] ({Markup.Escape(Formats.Share(Harm(result), signed: true))})",
        _ => "",
    };

    private static string Arm(KpiKind kind, ArmEstimate? arm)
    {
        if (arm is null)
        {
            return "—";
        }
        var text = Formats.KpiValue(kind, arm.Estimate);
        if (arm.StandardError > 0)
        {
            text += " ± " + Formats.KpiValue(kind, arm.StandardError);
        }
        text += $"\n{Formats.Count(arm.Units)} units";
        if (arm.Observations != arm.Units && arm.Observations > 0)
        {
            text += $", {Formats.Count(arm.Observations)} obs.";
        }
        if (arm.Latency is { } latency && kind is KpiKind.LatencyMean)
        {
            text += $"\np50 {Formats.KpiValue(kind, latency.P50Ms)} p99 {Formats.KpiValue(kind, latency.P99Ms)}";
        }
        return text;
    }

    public static string KpiDecisionMarkup(KpiDecision decision) => decision switch
    {
        KpiDecision.Better => "[green]BETTER[/]",
        KpiDecision.Worse => "[red]WORSE[/]",
        KpiDecision.WorseWithinTolerance => "[yellow]WORSE_WITHIN_TOLERANCE[/]",
        KpiDecision.NoSignificantDifference => "NO_SIGNIFICANT_DIFFERENCE",
        KpiDecision.Equivalent => "EQUIVALENT",
        KpiDecision.InsufficientData => "[grey]INSUFFICIENT_DATA[/]",
        KpiDecision.NotEvaluated => "[grey]NOT_EVALUATED[/]",
        _ => Names.Of(decision),
    };

    private static string SampleRatio(SampleRatioCheck srm)
    {
        var outcome = srm.Passed ? "[green]passed[/]" : "[red]FAILED[/]";
        var arms = string.Join(", ", srm.Arms.Select(a =>
            $"{a.VariantKey} {Formats.Count(a.ObservedUnits)} (expected {a.ExpectedUnits.ToString("N0", CultureInfo.InvariantCulture)})"));
        return $"{outcome} " + Markup.Escape(
            $"χ² = {Formats.Number(srm.ChiSquare)}, df {srm.DegreesOfFreedom}, p = {Formats.PValue(srm.PValue)} (fails below {Formats.Number(srm.Threshold)}); {arms}");
    }

    private static string SampleRatioLine(SampleRatioCheck srm) =>
        srm.Arms.Sum(a => a.ObservedUnits) == 0 ? "[grey]no data yet[/] (no unit exposed)" : SampleRatio(srm);

    private static string Horizon(HorizonProgress horizon)
    {
        var units = horizon.MaxUnits > 0 ? $"{Formats.Count(horizon.Units)} of {Formats.Count(horizon.MaxUnits)} units" : $"{Formats.Count(horizon.Units)} units";
        var time = (horizon.MaxDuration is not null ? $"{Formats.Span(horizon.Elapsed)} of {Formats.Span(horizon.MaxDuration)}" : $"{Formats.Span(horizon.Elapsed)} elapsed") + " (event time)";
        var open = horizon.MaxUnits == 0 && horizon.MaxDuration is null ? " (open-ended)" : "";
        return $"{units} · {time}{open}" + (horizon.Reached ? " · reached" : "");
    }

    private static string Power(PowerAnalysis power)
    {
        var goal = power.NonInferiority
            ? $"to show it within its {Formats.Share(power.MinimumDetectableEffect)} tolerance if unharmed"
            : $"to detect {Formats.Share(power.MinimumDetectableEffect)}";
        if (power.ObservedUnitsPerArm >= power.RequiredUnitsPerArm)
        {
            return $"Power: {Formats.Count(power.ObservedUnitsPerArm)} units per arm, past the {Formats.Count(power.RequiredUnitsPerArm)} planned {goal} with power {Formats.Number(power.TargetPower)}";
        }
        var text = $"Power: {Formats.Count(power.ObservedUnitsPerArm)} of {Formats.Count(power.RequiredUnitsPerArm)} units per arm needed {goal} with power {Formats.Number(power.TargetPower)}";
        return power.EstimatedTimeRemaining is { } remaining ? text + $" (about {Formats.Span(remaining)} to go in event time, at the enrolment rate so far)" : text;
    }

    private static string Tail(TailContributor contributor)
    {
        var who = contributor.ContributorCase == TailContributor.ContributorOneofCase.ClientId ? "client " + contributor.ClientId : "unit " + contributor.UnitId;
        return $"{who} in {contributor.VariantKey}: {Formats.Share(contributor.TailShare)} of requests over {Formats.Number(contributor.TailThresholdMs)} ms";
    }

    private static Rows Bullets(IEnumerable<string> lines) => new(lines.Select(l => new Text("  • " + l)));
}
