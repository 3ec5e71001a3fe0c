namespace Experiments.Assignment.Definitions;

/// <summary>
/// One revision of an experiment: what is randomized, who is eligible, the arms and how the result is judged.
/// Immutable; every change produces a new revision. The protobuf Experiment is mapped to and from this at the
/// RPC boundary only.
/// </summary>
public sealed record ExperimentDefinition
{
    public required string Id { get; init; }

    public required string FlagKey { get; init; }

    public string DisplayName { get; init; } = "";

    public string Description { get; init; } = "";

    public IReadOnlyList<ExperimentVariant> Variants { get; init; } = [];

    public UnitKind Unit { get; init; }

    public TargetingRules Targeting { get; init; } = TargetingRules.Everyone;

    public double RolloutPercent { get; init; }

    /// <summary>Null when the experiment is in no layer.</summary>
    public LayerSlot? Layer { get; init; }

    /// <summary>Null when the experiment respects no holdout.</summary>
    public HoldoutSpec? Holdout { get; init; }

    public IReadOnlyList<KpiDefinition> Kpis { get; init; } = [];

    public double Alpha { get; init; } = 0.05;

    public double MinimumDetectableEffect { get; init; }

    public double Power { get; init; } = 0.8;

    public PValueCorrection Correction { get; init; } = PValueCorrection.Holm;

    public long SequentialNStar { get; init; }

    public bool AutoRollback { get; init; }

    public ExperimentHorizon Horizon { get; init; } = ExperimentHorizon.OpenEnded;

    public ExperimentState State { get; init; } = ExperimentState.Draft;

    public long Revision { get; init; }

    public DateTimeOffset CreateTime { get; init; }

    public DateTimeOffset UpdateTime { get; init; }

    public DateTimeOffset? StartTime { get; init; }

    public DateTimeOffset? StopTime { get; init; }

    public string Seed { get; init; } = "";

    /// <summary>Empty means the control variant.</summary>
    public string DefaultVariantKey { get; init; } = "";

    public string FinalVariantKey { get; init; } = "";

    public string StopReason { get; init; } = "";

    /// <summary>The control arm's key; validation guarantees there is exactly one.</summary>
    public string ControlKey() => Variants.First(v => v.IsControl).Key;

    /// <summary>The variant served to units outside the experiment while it runs (and to all while a draft).</summary>
    public string ResolvedDefaultVariantKey() => DefaultVariantKey.Length > 0 ? DefaultVariantKey : ControlKey();
}
