using System.Globalization;

namespace Experiments.Assignment.Definitions;

/// <summary>
/// The fields of an experiment by their proto names: which UpdateExperiment may replace, which are frozen
/// once running (they would re-randomize units), how each is copied, and how it is rendered in the audit trail.
/// </summary>
internal static class DefinitionFields
{
    /// <summary>Fields UpdateExperiment may name in its mask.</summary>
    public static readonly IReadOnlyList<UpdatableField> Updatable =
    [
        new("flag_key", FrozenWhileRunning: true, EditableWhenStopped: false, (d, s) => d with { FlagKey = s.FlagKey }, d => d.FlagKey),
        new("display_name", false, true, (d, s) => d with { DisplayName = s.DisplayName }, d => d.DisplayName),
        new("description", false, true, (d, s) => d with { Description = s.Description }, d => d.Description),
        new("variants", true, false, (d, s) => d with { Variants = s.Variants }, RenderVariants),
        new("randomization_unit", true, false, (d, s) => d with { Unit = s.Unit }, d => ProtoNames.Of(d.Unit)),
        new("targeting", false, false, (d, s) => d with { Targeting = s.Targeting }, RenderTargeting),
        new("layer", true, false, (d, s) => d with { Layer = s.Layer }, d => d.Layer is null ? "" : $"{d.Layer.Name} ({Percent(d.Layer.TrafficPercent)})"),
        new("holdout", true, false, (d, s) => d with { Holdout = s.Holdout }, d => d.Holdout is null ? "" : $"{d.Holdout.Name} ({Percent(d.Holdout.Percent)})"),
        new("kpis", false, false, (d, s) => d with { Kpis = s.Kpis }, RenderKpis),
        new("alpha", false, false, (d, s) => d with { Alpha = s.Alpha }, d => Number(d.Alpha)),
        new("minimum_detectable_effect", false, false, (d, s) => d with { MinimumDetectableEffect = s.MinimumDetectableEffect }, d => Number(d.MinimumDetectableEffect)),
        new("power", false, false, (d, s) => d with { Power = s.Power }, d => Number(d.Power)),
        new("multiple_testing_correction", false, false, (d, s) => d with { Correction = s.Correction }, d => ProtoNames.Of(d.Correction)),
        new("sequential_n_star", true, false, (d, s) => d with { SequentialNStar = s.SequentialNStar }, d => d.SequentialNStar.ToString(CultureInfo.InvariantCulture)),
        new("auto_rollback", false, false, (d, s) => d with { AutoRollback = s.AutoRollback }, d => d.AutoRollback ? "true" : "false"),
        new("horizon", false, false, (d, s) => d with { Horizon = s.Horizon }, d => $"max_duration={ProtoNames.Duration(d.Horizon.MaxDuration)} max_units={d.Horizon.MaxUnits}"),
        new("seed", true, false, (d, s) => d with { Seed = s.Seed }, d => d.Seed),
        new("default_variant_key", false, false, (d, s) => d with { DefaultVariantKey = s.DefaultVariantKey }, d => d.DefaultVariantKey),
    ];

    /// <summary>Fields the server sets; naming them in an update mask is an error.</summary>
    public static readonly IReadOnlySet<string> OutputOnly = new HashSet<string>(StringComparer.Ordinal)
    {
        "id", "status", "revision", "create_time", "update_time", "start_time", "stop_time", "final_variant_key", "stop_reason",
    };

    /// <summary>Every field that an audit entry reports (updatable ones plus those changed by the lifecycle methods).</summary>
    private static readonly IReadOnlyList<(string Name, Func<ExperimentDefinition, string> Render)> Audited =
    [
        .. Updatable.Where(f => f.Name != "variants").Select(f => (f.Name, f.Render)),
        ("rollout_percent", d => Percent(d.RolloutPercent)),
        ("layer.segment_start_percent", d => d.Layer is null ? "" : Percent(d.Layer.SegmentStartPercent)),
        ("status", d => d.State.ToString().ToUpperInvariant()),
        ("final_variant_key", d => d.FinalVariantKey),
        ("stop_reason", d => d.StopReason),
    ];

    public static UpdatableField? Find(string name) => Updatable.FirstOrDefault(f => f.Name == name);

    /// <summary>Field-level differences, variants reported per key (e.g. <c>variants[fast-engine].weight</c>).</summary>
    public static IReadOnlyList<FieldChangeRecord> Diff(ExperimentDefinition? before, ExperimentDefinition after)
    {
        var changes = new List<FieldChangeRecord>();
        foreach (var (name, render) in Audited)
        {
            var old = before is null ? "" : render(before);
            var now = render(after);
            if (old != now)
            {
                changes.Add(new FieldChangeRecord(name, old, now));
            }
        }
        var oldVariants = before?.Variants ?? [];
        foreach (var variant in after.Variants)
        {
            var previous = oldVariants.FirstOrDefault(v => v.Key == variant.Key);
            AddVariantChange(changes, variant.Key, "weight", previous is null ? "" : Number(previous.Weight), Number(variant.Weight));
            AddVariantChange(changes, variant.Key, "is_control", previous is null ? "" : Bool(previous.IsControl), Bool(variant.IsControl));
            AddVariantChange(changes, variant.Key, "display_name", previous?.DisplayName ?? "", variant.DisplayName);
            AddVariantChange(changes, variant.Key, "payload", previous?.Payload ?? "", variant.Payload);
        }
        foreach (var removed in oldVariants.Where(v => after.Variants.All(n => n.Key != v.Key)))
        {
            changes.Add(new FieldChangeRecord($"variants[{removed.Key}]", RenderVariant(removed), ""));
        }
        return changes;
    }

    public static bool Same(UpdatableField field, ExperimentDefinition a, ExperimentDefinition b) => field.Render(a) == field.Render(b);

    public static string Percent(double value) => Number(value) + "%";

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Bool(bool value) => value ? "true" : "false";

    private static void AddVariantChange(List<FieldChangeRecord> changes, string key, string field, string before, string after)
    {
        if (before != after)
        {
            changes.Add(new FieldChangeRecord($"variants[{key}].{field}", before, after));
        }
    }

    private static string RenderVariant(ExperimentVariant v) =>
        $"{v.Key} weight={Number(v.Weight)}{(v.IsControl ? " control" : "")} display_name={v.DisplayName} payload={v.Payload}";

    private static string RenderVariants(ExperimentDefinition d) => string.Join("; ", d.Variants.Select(RenderVariant));

    private static string RenderTargeting(ExperimentDefinition d)
    {
        var t = d.Targeting;
        var parts = new List<string>();
        void List(string name, IReadOnlyList<string> values)
        {
            if (values.Count > 0)
            {
                parts.Add($"{name}=[{string.Join(",", values)}]");
            }
        }
        List("user_ids", t.UserIds);
        List("groups", t.Groups);
        foreach (var rule in t.AttributeRules)
        {
            parts.Add($"{rule.Attribute} {ProtoNames.Of(rule.Operator)} [{string.Join(",", rule.Values)}]");
        }
        List("excluded_user_ids", t.ExcludedUserIds);
        List("excluded_groups", t.ExcludedGroups);
        return string.Join("; ", parts);
    }

    private static string RenderKpis(ExperimentDefinition d) => string.Join("; ", d.Kpis.Select(k =>
        $"{k.Key} {ProtoNames.Of(k.Kind)} {ProtoNames.Of(k.Role)}" +
        (k.ApiName.Length > 0 ? $" api={k.ApiName}" : "") +
        (k.Direction != ImprovementDirection.Unspecified ? $" {ProtoNames.Of(k.Direction)}" : "") +
        (k.Tolerance > 0 ? $" tolerance={Number(k.Tolerance)}" : "") +
        (k.MinimumDetectableEffect > 0 ? $" mde={Number(k.MinimumDetectableEffect)}" : "") +
        (k.RetentionDay > 0 ? $" day={k.RetentionDay}" : "") +
        (k.ActivityName.Length > 0 ? $" activity={k.ActivityName}" : "") +
        (k.MetricName.Length > 0 ? $" metric={k.MetricName}" : "") +
        (k.DisplayName.Length > 0 ? $" \"{k.DisplayName}\"" : "")));
}

/// <summary>A field UpdateExperiment can replace.</summary>
internal sealed record UpdatableField(
    string Name,
    bool FrozenWhileRunning,
    bool EditableWhenStopped,
    Func<ExperimentDefinition, ExperimentDefinition, ExperimentDefinition> Apply,
    Func<ExperimentDefinition, string> Render);
