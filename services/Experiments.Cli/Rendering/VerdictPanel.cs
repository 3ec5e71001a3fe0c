using System.Globalization;
using Experiments.Contracts.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Experiments.Cli.Rendering;

/// <summary>
/// A verdict as people read it: the decision with its reasons, the sample-ratio check and the horizon, then the KPIs
/// per API (<see cref="ApiGroup"/>), one table per KPI with each treatment against the control — values per arm, the
/// always-valid interval and p-value the decision used (a guardrail's row says whether it is within, beyond or not yet
/// shown within its tolerance), the fixed-horizon figures labelled as such, decision and reasons.
/// </summary>
internal static class VerdictPanel
{
    public static IRenderable Render(Verdict verdict)
    {
        var parts = new List<IRenderable>
        {
            new Markup(
                $"[bold]{Markup.Escape(verdict.ExperimentId)}[/] · " +
                (verdict.SingleLook ? "replay, one look" : $"revision {verdict.ExperimentRevision} · {ExperimentViews.StatusMarkup(verdict.ExperimentStatus)}") +
                $" · computed {Formats.Time(verdict.ComputeTime)} (data up to {Formats.Time(verdict.AsOfTime)})"),
            new Markup(DecisionLine(verdict)),
        };
        // A replay is looked at once: its breach is already in the reasons, and nothing "stays" after it.
        if (verdict.GuardrailBreach is { } breach && !verdict.SingleLook)
        {
            parts.Add(new Markup(Markup.Escape(
                $"ROLL_BACK since {Formats.Time(breach.AsOfTime)} ({breach.KpiKey} in {breach.VariantKey}); a breach shown by the always-valid interval stays")));
        }
        else if (verdict.ShipDecision is { } ship && !verdict.SingleLook)
        {
            parts.Add(new Markup(Markup.Escape(
                $"SHIP since {Formats.Time(ship.AsOfTime)} ({ship.VariantKey}); it stays unless a guardrail is later shown beyond its tolerance")));
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
        parts.AddRange(Groups(verdict));
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

    /// <summary>
    /// One section per API (what it is: served by the backend, a dependency call, all calls, users), then one table per
    /// KPI with a row per treatment. Six narrow columns so that a verdict fits 120 columns; reasons and the tail follow
    /// the table as lines, which wrap where a table cell would have to fold.
    /// </summary>
    private static IEnumerable<IRenderable> Groups(Verdict verdict)
    {
        foreach (var group in ApiGroup.Of(verdict.KpiResults))
        {
            yield return Text.Empty;
            yield return new Rule($"[bold]{Markup.Escape(GroupTitle(group))}[/]") { Justification = Justify.Left };
            yield return new Padder(new Text(group.Description), new Padding(2, 0, 0, 0));
            foreach (var result in group.Results)
            {
                yield return Text.Empty;
                yield return Kpi(result, Alpha(verdict), verdict.SingleLook ? "fixed-horizon" : "always-valid");
            }
        }
    }

    private static string GroupTitle(ApiGroup group) => group.Side switch
    {
        ApiSide.Served => "API " + group.Heading,
        ApiSide.Dependency => "Dependency call " + group.Heading,
        _ => group.Heading,
    };

    private static string KindName(KpiKind kind) => kind switch
    {
        KpiKind.LatencyMean => "mean latency",
        KpiKind.LatencyP50 => "p50 latency",
        KpiKind.LatencyP95 => "p95 latency",
        KpiKind.LatencyP99 => "p99 latency",
        KpiKind.ErrorRate => "error rate",
        KpiKind.Availability => "availability",
        KpiKind.RetentionDayN => "day-N retention",
        KpiKind.Engagement => "engagement",
        KpiKind.CustomMetric => "custom metric",
        _ => Names.Of(kind),
    };

    private static IRenderable Kpi(KpiResult result, double alpha, string intervalKind)
    {
        var measure = ApiGroup.Measure(result);
        var title = $"[bold]{Markup.Escape(result.KpiKey)}[/] · " + Markup.Escape(
            KindName(result.Kind) + (measure.Length > 0 ? $" of {measure}" : "") +
            $" · {Names.Of(result.Role)}" +
            (result.Direction == DesiredDirection.Unspecified ? "" : $" · {Names.Of(result.Direction).ToLowerInvariant()} is better") +
            (result.TestName.Length > 0 ? $" · {result.TestName}" : ""));
        // The figures' columns never wrap (each line of a cell is one figure); the variant and the decision wrap
        // between words when the console is narrow, so names and numbers are never cut in two.
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("VARIANT"))
            .AddColumn(new TableColumn("VALUE").NoWrap())
            .AddColumn(new TableColumn($"CHANGE vs {ControlKey(result)}\nthe decision used").NoWrap())
            .AddColumn(new TableColumn("DECISION").Width(16))
            .AddColumn(new TableColumn("FIXED-HORIZON\n(reference only)").NoWrap());
        var control = result.Arms.FirstOrDefault();
        table.AddRow(new Text((control?.VariantKey ?? "—") + "\n(control)"), new Text(Arm(result.Kind, control)), new Text(""),
            result.Comparisons.Count == 0
                ? new Markup(KpiDecisionMarkup(result.Decision) + (result.Role == KpiRole.Guardrail ? "\n[yellow]not yet shown within tolerance[/]" : ""))
                : new Text(""),
            new Text(""));
        var notes = new List<string>();
        foreach (var comparison in result.Comparisons)
        {
            var treatment = result.Arms.FirstOrDefault(a => a.VariantKey == comparison.VariantKey);
            Func<double, string> relative = v => Formats.Share(v, signed: true);
            Func<double, string> absolute = v => Formats.KpiValue(result.Kind, v, signed: true);
            var decisionLevel = comparison.DecisionLevel > 0 ? comparison.DecisionLevel : alpha;
            var interval = comparison.DecisionInterval ?? comparison.RelativeConfidenceSequence;
            table.AddRow(
                new Text(comparison.VariantKey),
                new Text(Arm(result.Kind, treatment)),
                new Text($"{relative(comparison.RelativeEffect)}\n{Formats.Interval(interval, relative)}\n{Formats.Level(decisionLevel)} {intervalKind}\n{DecisionPValue(result, comparison)}\n" +
                    $"{absolute(comparison.AbsoluteEffect)}\n{Formats.Interval(comparison.AbsoluteConfidenceSequence, absolute)}\n({Formats.Level(alpha)}, absolute)"),
                new Markup(KpiDecisionMarkup(comparison.Decision) + GuardrailMarkup(result, comparison)),
                new Text($"{relative(comparison.RelativeEffect)}\n{Formats.Interval(comparison.RelativeCi, relative)}\np = {Formats.PValue(comparison.PValue)}\nadjusted {Formats.PValue(comparison.AdjustedPValue)}"));
            notes.AddRange(comparison.Reasons.Where(r => !result.Reasons.Contains(r))
                .Select(r => result.Comparisons.Count > 1 && !r.StartsWith(comparison.VariantKey, StringComparison.Ordinal) ? $"{comparison.VariantKey}: {r}" : r));
        }

        var parts = new List<IRenderable> { new Markup(title), table, new Markup($"  KPI decision: {KpiDecisionMarkup(result.Decision)}") };
        if (result.Reasons.Count + notes.Count > 0)
        {
            parts.Add(Bullets(result.Reasons.Concat(notes)));
        }
        if (result.Power is { RequiredUnitsPerArm: > 0 } power)
        {
            parts.Add(new Padder(new Text(Power(power)), new Padding(2, 0, 0, 0)));
        }
        if (result.TailContributors.Count > 0)
        {
            parts.Add(new Text($"  Tail (each arm's slowest requests, those over its {(result.Kind == KpiKind.LatencyP95 ? "p95" : "p99")}):"));
            parts.Add(Bullets(result.TailContributors.Take(3).Select(Tail)));
        }
        return new Rows(parts);
    }

    private static string DecisionPValue(KpiResult result, ArmComparison comparison)
    {
        if (double.IsNaN(comparison.DecisionPValue))
        {
            return "no p-value yet";
        }
        return result.Role == KpiRole.Guardrail
            ? $"p = {Formats.PValue(comparison.DecisionPValue)} against\nthe {Formats.Share(Harm(result))} tolerance"
            : $"adjusted p = {Formats.PValue(comparison.DecisionPValue)}";
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

    // One figure per line: the value, its standard error, units, observations (and a mean's quantiles).
    private static string Arm(KpiKind kind, ArmEstimate? arm)
    {
        if (arm is null)
        {
            return "—";
        }
        var lines = new List<string> { Formats.KpiValue(kind, arm.Estimate) };
        if (arm.StandardError > 0)
        {
            lines.Add("± " + Formats.KpiValue(kind, arm.StandardError));
        }
        if (arm.EstimateCi is { } ci)
        {
            // A quantile's own interval (order statistics): asymmetric, so it says more than the standard error.
            lines.Add($"CI {Formats.KpiValue(kind, ci.Lower)}–{Formats.KpiValue(kind, ci.Upper)}");
        }
        lines.Add($"{Formats.Count(arm.Units)} units");
        if (arm.Observations != arm.Units && arm.Observations > 0)
        {
            lines.Add($"{Formats.Count(arm.Observations)} obs.");
        }
        if (arm.Latency is { } latency && kind is KpiKind.LatencyMean)
        {
            lines.Add($"p50 {Formats.KpiValue(kind, latency.P50Ms)}");
            lines.Add($"p99 {Formats.KpiValue(kind, latency.P99Ms)}");
        }
        return string.Join('\n', lines);
    }

    private static string ControlKey(KpiResult result) =>
        result.Comparisons.FirstOrDefault()?.ControlVariantKey is { Length: > 0 } key ? key : result.Arms.FirstOrDefault()?.VariantKey ?? "control";

    // Spaces rather than the enum's underscores, so that a narrow column wraps the words instead of folding them.
    private static string KpiDecisionMarkup(KpiDecision decision) => decision switch
    {
        KpiDecision.Better => "[green]BETTER[/]",
        KpiDecision.Worse => "[red]WORSE[/]",
        KpiDecision.WorseWithinTolerance => "[yellow]WORSE WITHIN TOLERANCE[/]",
        KpiDecision.NoSignificantDifference => "NO SIGNIFICANT DIFFERENCE",
        KpiDecision.Equivalent => "EQUIVALENT",
        KpiDecision.InsufficientData => "[grey]INSUFFICIENT DATA[/]",
        KpiDecision.NotEvaluated => "[grey]NOT EVALUATED[/]",
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

    // Shares of the arm's tail, not of the client's own requests: "100% of requests over 89.62 ms" read as "every one of
    // its requests was slow" when it meant "every slow request was its".
    private static string Tail(TailContributor contributor)
    {
        var who = contributor.ContributorCase == TailContributor.ContributorOneofCase.ClientId ? "client " + contributor.ClientId : "unit " + contributor.UnitId;
        return $"{who} accounts for {Formats.Share(contributor.TailShare)} of {contributor.VariantKey}'s requests over {Formats.Number(contributor.TailThresholdMs)} ms " +
            $"({Formats.Count(contributor.TailRequestCount)} of the {Formats.Count(contributor.RequestCount)} requests it sent there were that slow)";
    }

    // A grid rather than "  • " + text, so that a wrapped line starts under the text, not under the bullet.
    private static Grid Bullets(IEnumerable<string> lines)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadLeft(2).PadRight(1)).AddColumn(new GridColumn().PadRight(0));
        foreach (var line in lines)
        {
            grid.AddRow(new Text("•"), new Text(line));
        }
        return grid;
    }
}
