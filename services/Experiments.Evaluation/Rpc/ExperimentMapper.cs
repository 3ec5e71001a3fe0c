using Experiments.Assignment.Definitions;
using Google.Protobuf.WellKnownTypes;
using Proto = Experiments.Contracts.V1;

namespace Experiments.Assignment.Rpc;

/// <summary>Experiment ⇄ ExperimentDefinition. Output-only fields are ignored on the way in; proto defaults (0) resolved.</summary>
internal static class ExperimentMapper
{
    public static ExperimentDefinition ToDomain(Proto.Experiment? experiment)
    {
        experiment ??= new Proto.Experiment();
        return new ExperimentDefinition
        {
            Id = experiment.Id,
            FlagKey = experiment.FlagKey,
            DisplayName = experiment.DisplayName,
            Description = experiment.Description,
            Variants = experiment.Variants.Select(v => new ExperimentVariant(v.Key, v.DisplayName, v.Weight, v.IsControl, v.Payload)).ToArray(),
            Unit = (UnitKind)experiment.RandomizationUnit,
            Targeting = ToDomain(experiment.Targeting),
            RolloutPercent = experiment.RolloutPercent,
            Layer = experiment.Layer is { Name.Length: > 0 } layer ? new LayerSlot(layer.Name, layer.TrafficPercent, 0) : null,
            Holdout = experiment.Holdout is { Name.Length: > 0 } holdout ? new HoldoutSpec(holdout.Name, holdout.Percent) : null,
            Kpis = experiment.Kpis.Select(ToDomain).ToArray(),
            Alpha = experiment.Alpha == 0 ? 0.05 : experiment.Alpha,
            MinimumDetectableEffect = experiment.MinimumDetectableEffect,
            Power = experiment.Power == 0 ? 0.8 : experiment.Power,
            Correction = experiment.MultipleTestingCorrection == Proto.MultipleTestingCorrection.Unspecified
                ? PValueCorrection.Holm
                : (PValueCorrection)experiment.MultipleTestingCorrection,
            SequentialNStar = experiment.SequentialNStar,
            AutoRollback = experiment.AutoRollback,
            Horizon = experiment.Horizon is null
                ? ExperimentHorizon.OpenEnded
                : new ExperimentHorizon(experiment.Horizon.MaxDuration?.ToTimeSpan() ?? TimeSpan.Zero, experiment.Horizon.MaxUnits),
            Seed = experiment.Seed,
            DefaultVariantKey = experiment.DefaultVariantKey,
        };
    }

    /// <summary>
    /// A definition as the server serves it (WatchDefinitions, Get), output-only fields included: what an
    /// in-process evaluator needs to decide exactly as the service does.
    /// </summary>
    public static ExperimentDefinition ToServedDefinition(Proto.Experiment experiment) => ToDomain(experiment) with
    {
        State = (ExperimentState)experiment.Status,
        Revision = experiment.Revision,
        Layer = experiment.Layer is { Name.Length: > 0 } layer ? new LayerSlot(layer.Name, layer.TrafficPercent, layer.SegmentStartPercent) : null,
        CreateTime = experiment.CreateTime?.ToDateTimeOffset() ?? default,
        UpdateTime = experiment.UpdateTime?.ToDateTimeOffset() ?? default,
        StartTime = experiment.StartTime?.ToDateTimeOffset(),
        StopTime = experiment.StopTime?.ToDateTimeOffset(),
        FinalVariantKey = experiment.FinalVariantKey,
        StopReason = experiment.StopReason,
    };

    public static Proto.Experiment ToProto(ExperimentDefinition definition)
    {
        var experiment = new Proto.Experiment
        {
            Id = definition.Id,
            FlagKey = definition.FlagKey,
            DisplayName = definition.DisplayName,
            Description = definition.Description,
            RandomizationUnit = (Proto.RandomizationUnit)definition.Unit,
            Targeting = ToProto(definition.Targeting),
            RolloutPercent = definition.RolloutPercent,
            Alpha = definition.Alpha,
            MinimumDetectableEffect = definition.MinimumDetectableEffect,
            Power = definition.Power,
            MultipleTestingCorrection = (Proto.MultipleTestingCorrection)definition.Correction,
            SequentialNStar = definition.SequentialNStar,
            AutoRollback = definition.AutoRollback,
            Horizon = new Proto.Horizon { MaxDuration = Duration.FromTimeSpan(definition.Horizon.MaxDuration), MaxUnits = definition.Horizon.MaxUnits },
            Status = (Proto.ExperimentStatus)definition.State,
            Revision = definition.Revision,
            CreateTime = Timestamp.FromDateTimeOffset(definition.CreateTime),
            UpdateTime = Timestamp.FromDateTimeOffset(definition.UpdateTime),
            StartTime = definition.StartTime is { } start ? Timestamp.FromDateTimeOffset(start) : null,
            StopTime = definition.StopTime is { } stop ? Timestamp.FromDateTimeOffset(stop) : null,
            Seed = definition.Seed,
            DefaultVariantKey = definition.DefaultVariantKey,
            FinalVariantKey = definition.FinalVariantKey,
            StopReason = definition.StopReason,
        };
        experiment.Variants.AddRange(definition.Variants.Select(v => new Proto.Variant
        {
            Key = v.Key,
            DisplayName = v.DisplayName,
            Weight = v.Weight,
            IsControl = v.IsControl,
            Payload = v.Payload,
        }));
        if (definition.Layer is { } layer)
        {
            experiment.Layer = new Proto.LayerPlacement { Name = layer.Name, TrafficPercent = layer.TrafficPercent, SegmentStartPercent = layer.SegmentStartPercent };
        }
        if (definition.Holdout is { } holdout)
        {
            experiment.Holdout = new Proto.Holdout { Name = holdout.Name, Percent = holdout.Percent };
        }
        experiment.Kpis.AddRange(definition.Kpis.Select(ToProto));
        return experiment;
    }

    private static TargetingRules ToDomain(Proto.Targeting? targeting) => targeting is null
        ? TargetingRules.Everyone
        : new TargetingRules
        {
            UserIds = [.. targeting.UserIds],
            Groups = [.. targeting.Groups],
            AttributeRules = targeting.AttributeRules.Select(r => new AttributeCondition(r.Attribute, (ConditionOperator)r.Operator, [.. r.Values])).ToArray(),
            ExcludedUserIds = [.. targeting.ExcludedUserIds],
            ExcludedGroups = [.. targeting.ExcludedGroups],
        };

    private static Proto.Targeting ToProto(TargetingRules rules)
    {
        var targeting = new Proto.Targeting();
        targeting.UserIds.AddRange(rules.UserIds);
        targeting.Groups.AddRange(rules.Groups);
        targeting.ExcludedUserIds.AddRange(rules.ExcludedUserIds);
        targeting.ExcludedGroups.AddRange(rules.ExcludedGroups);
        foreach (var rule in rules.AttributeRules)
        {
            var proto = new Proto.AttributeRule { Attribute = rule.Attribute, Operator = (Proto.AttributeOperator)rule.Operator };
            proto.Values.AddRange(rule.Values);
            targeting.AttributeRules.Add(proto);
        }
        return targeting;
    }

    private static KpiDefinition ToDomain(Proto.Kpi kpi) => new()
    {
        Key = kpi.Key,
        DisplayName = kpi.DisplayName,
        Kind = (MetricKind)kpi.Kind,
        Role = (MetricRole)kpi.Role,
        ApiName = kpi.ApiName,
        Direction = (ImprovementDirection)kpi.Direction,
        Tolerance = kpi.Tolerance,
        MinimumDetectableEffect = kpi.MinimumDetectableEffect,
        RetentionDay = kpi.RetentionDay,
        ActivityName = kpi.ActivityName,
        MetricName = kpi.MetricName,
    };

    private static Proto.Kpi ToProto(KpiDefinition kpi) => new()
    {
        Key = kpi.Key,
        DisplayName = kpi.DisplayName,
        Kind = (Proto.KpiKind)kpi.Kind,
        Role = (Proto.KpiRole)kpi.Role,
        ApiName = kpi.ApiName,
        Direction = (Proto.DesiredDirection)kpi.Direction,
        Tolerance = kpi.Tolerance,
        MinimumDetectableEffect = kpi.MinimumDetectableEffect,
        RetentionDay = kpi.RetentionDay,
        ActivityName = kpi.ActivityName,
        MetricName = kpi.MetricName,
    };

    public static Proto.AuditEntry ToProto(AuditRecord record)
    {
        var entry = new Proto.AuditEntry
        {
            ExperimentId = record.ExperimentId,
            Revision = record.Revision,
            CreateTime = Timestamp.FromDateTimeOffset(record.CommitTime),
            Actor = record.Actor,
            Action = (Proto.AuditAction)record.Operation,
            Reason = record.Reason,
            Summary = record.Summary,
        };
        entry.Changes.AddRange(record.Changes.Select(c => new Proto.FieldChange { FieldPath = c.FieldPath, Before = c.Before, After = c.After }));
        return entry;
    }
}
