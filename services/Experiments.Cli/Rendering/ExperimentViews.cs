using Experiments.Contracts.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Experiments.Cli.Rendering;

/// <summary>Tables and panels of experiments and their audit trail.</summary>
internal static class ExperimentViews
{
    public static IRenderable List(IReadOnlyList<Experiment> experiments)
    {
        var table = new Table().Border(TableBorder.Simple)
            .AddColumns("ID", "FLAG", "STATUS", "ROLLOUT", "VARIANTS", "LAYER", "REV", "UPDATED");
        foreach (var experiment in experiments)
        {
            table.AddRow(
                new Text(experiment.Id),
                new Text(experiment.FlagKey),
                Status(experiment.Status),
                new Text(Formats.PercentValue(experiment.RolloutPercent)),
                new Text(string.Join(", ", experiment.Variants.Select(v => $"{v.Key} {Formats.Number(v.Weight)}"))),
                new Text(experiment.Layer?.Name is { Length: > 0 } layer ? layer : "—"),
                new Text(experiment.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Text(Formats.Time(experiment.UpdateTime)));
        }
        return table;
    }

    public static IRenderable Detail(Experiment experiment)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                grid.AddRow(new Markup($"[bold]{name}[/]"), new Text(value));
            }
        }
        grid.AddRow(new Markup("[bold]ID[/]"), new Markup(experiment.Revision == 0
            ? Markup.Escape(experiment.Id)
            : $"{Markup.Escape(experiment.Id)}  {StatusMarkup(experiment.Status)}  revision {experiment.Revision}"));
        Row("Name", experiment.DisplayName);
        Row("Description", experiment.Description.TrimEnd());
        Row("Flag", experiment.FlagKey);
        Row("Unit", Names.Of(experiment.RandomizationUnit));
        Row("Rollout", Formats.PercentValue(experiment.RolloutPercent));
        if (experiment.Layer is { Name.Length: > 0 } layer)
        {
            Row("Layer", $"{layer.Name}: {Formats.PercentValue(layer.TrafficPercent)} of its units from {Formats.PercentValue(layer.SegmentStartPercent)}");
        }
        if (experiment.Holdout is { Name.Length: > 0 } holdout)
        {
            Row("Holdout", $"{holdout.Name}: {Formats.PercentValue(holdout.Percent)}");
        }
        Row("Alpha", Formats.Number(experiment.Alpha == 0 ? 0.05 : experiment.Alpha));
        Row("MDE", Formats.Share(experiment.MinimumDetectableEffect));
        Row("Power", Formats.Number(experiment.Power == 0 ? 0.8 : experiment.Power));
        Row("Correction", Names.Of(experiment.MultipleTestingCorrection == MultipleTestingCorrection.Unspecified ? MultipleTestingCorrection.Holm : experiment.MultipleTestingCorrection));
        Row("Sequential N*", experiment.SequentialNStar == 0 ? "derived by the server" : Formats.Count(experiment.SequentialNStar));
        Row("Auto-rollback", experiment.AutoRollback ? "on" : "off");
        Row("Horizon", Horizon(experiment.Horizon));
        Row("Default variant", experiment.DefaultVariantKey.Length == 0 ? "the control" : experiment.DefaultVariantKey);
        Row("Final variant", experiment.FinalVariantKey);
        Row("Stop reason", experiment.StopReason);
        Row("Seed", experiment.Seed);
        if (experiment.CreateTime is not null)
        {
            Row("Created", Formats.Time(experiment.CreateTime));
            Row("Updated", Formats.Time(experiment.UpdateTime));
        }
        if (experiment.StartTime is not null)
        {
            Row("Started", Formats.Time(experiment.StartTime));
        }
        if (experiment.StopTime is not null)
        {
            Row("Stopped", Formats.Time(experiment.StopTime));
        }

        var variants = new Table().Border(TableBorder.Simple).Title("Variants").AddColumns("KEY", "NAME", "WEIGHT", "CONTROL", "PAYLOAD");
        foreach (var variant in experiment.Variants)
        {
            variants.AddRow(new Text(variant.Key), new Text(variant.DisplayName), new Text(Formats.Number(variant.Weight)), new Text(variant.IsControl ? "yes" : ""), new Text(variant.Payload));
        }

        var kpis = new Table().Border(TableBorder.Simple).Title("KPIs")
            .AddColumn(new TableColumn("KEY").NoWrap()).AddColumn(new TableColumn("KIND").NoWrap())
            .AddColumns("ROLE", "API", "DIRECTION", "TOLERANCE", "MDE");
        foreach (var kpi in experiment.Kpis)
        {
            kpis.AddRow(
                new Text(kpi.Key),
                new Text(KpiKindText(kpi)),
                new Text(Names.Of(kpi.Role)),
                new Text(kpi.ApiName.Length == 0 ? "all" : kpi.ApiName),
                new Text(kpi.Direction == DesiredDirection.Unspecified ? "natural" : Names.Of(kpi.Direction)),
                new Text(kpi.Role == KpiRole.Guardrail ? Formats.Share(kpi.Tolerance) : ""),
                new Text(kpi.MinimumDetectableEffect == 0 ? "" : Formats.Share(kpi.MinimumDetectableEffect)));
        }

        var parts = new List<IRenderable> { grid, variants, kpis };
        if (Targeting(experiment.Targeting) is { } targeting)
        {
            parts.Add(targeting);
        }
        return new Rows(parts);
    }

    public static IRenderable Audit(IReadOnlyList<AuditEntry> entries, bool showExperiment)
    {
        var table = new Table().Border(TableBorder.Simple);
        if (showExperiment)
        {
            table.AddColumn("EXPERIMENT");
        }
        table.AddColumns("REV", "TIME", "ACTOR", "ACTION", "SUMMARY", "REASON");
        foreach (var entry in entries)
        {
            var summary = entry.Summary;
            if (entry.Changes.Count > 0)
            {
                summary += (summary.Length > 0 ? "\n" : "") + string.Join('\n', entry.Changes.Select(c => $"{c.FieldPath}: {Empty(c.Before)} → {Empty(c.After)}"));
            }
            var cells = new List<IRenderable>();
            if (showExperiment)
            {
                cells.Add(new Text(entry.ExperimentId));
            }
            cells.Add(new Text(entry.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            cells.Add(new Text(Formats.Time(entry.CreateTime)));
            cells.Add(new Text(entry.Actor));
            cells.Add(new Text(Names.Of(entry.Action)));
            cells.Add(new Text(summary));
            cells.Add(new Text(entry.Reason));
            table.AddRow(cells);
        }
        return table;
    }

    public static string KpiKindText(Kpi kpi) => kpi.Kind switch
    {
        KpiKind.RetentionDayN => $"RETENTION_DAY_{kpi.RetentionDay}" + (kpi.ActivityName.Length > 0 ? $" ({kpi.ActivityName})" : ""),
        KpiKind.Engagement when kpi.ActivityName.Length > 0 => $"ENGAGEMENT ({kpi.ActivityName})",
        KpiKind.CustomMetric => $"CUSTOM_METRIC ({kpi.MetricName})",
        _ => Names.Of(kpi.Kind),
    };

    public static IRenderable Status(ExperimentStatus status) => new Markup(StatusMarkup(status));

    public static string StatusMarkup(ExperimentStatus status) => status switch
    {
        ExperimentStatus.Running => "[green]RUNNING[/]",
        ExperimentStatus.Draft => "[blue]DRAFT[/]",
        ExperimentStatus.Stopped => "[yellow]STOPPED[/]",
        ExperimentStatus.Archived => "[grey]ARCHIVED[/]",
        _ => Names.Of(status),
    };

    private static string Horizon(Horizon? horizon)
    {
        if (horizon is null || (horizon.MaxDuration is null && horizon.MaxUnits == 0))
        {
            return "open-ended";
        }
        var parts = new List<string>();
        if (horizon.MaxDuration is not null)
        {
            parts.Add(Formats.Span(horizon.MaxDuration));
        }
        if (horizon.MaxUnits > 0)
        {
            parts.Add(Formats.Count(horizon.MaxUnits) + " units");
        }
        return string.Join(" or ", parts) + ", whichever comes first";
    }

    private static Table? Targeting(Targeting? targeting)
    {
        if (targeting is null || targeting.CalculateSize() == 0)
        {
            return null;
        }
        var table = new Table().Border(TableBorder.Simple).Title("Targeting").AddColumns("RULE", "VALUES");
        void Row(string rule, IEnumerable<string> values)
        {
            var list = values.ToList();
            if (list.Count > 0)
            {
                table.AddRow(new Text(rule), new Text(string.Join(", ", list)));
            }
        }
        Row("users", targeting.UserIds);
        Row("groups", targeting.Groups);
        foreach (var rule in targeting.AttributeRules)
        {
            table.AddRow(new Text($"{rule.Attribute} {Names.Of(rule.Operator)}"), new Text(string.Join(", ", rule.Values)));
        }
        Row("excluded users", targeting.ExcludedUserIds);
        Row("excluded groups", targeting.ExcludedGroups);
        return table;
    }

    private static string Empty(string value) => value.Length == 0 ? "∅" : value;
}
