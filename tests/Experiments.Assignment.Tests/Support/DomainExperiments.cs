using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;

namespace Experiments.Assignment.Tests.Support;

/// <summary>Domain definitions for unit tests, running unless stated otherwise.</summary>
internal static class DomainExperiments
{
    public static ExperimentDefinition Running(string flagKey, params (string Key, double Weight)[] variants) => new()
    {
        Id = "exp-" + flagKey,
        FlagKey = flagKey,
        Variants = (variants.Length == 0 ? [("control", 50.0), ("treatment", 50.0)] : variants)
            .Select((v, i) => new ExperimentVariant(v.Key, "", v.Weight, i == 0, ""))
            .ToArray(),
        Unit = UnitKind.User,
        RolloutPercent = 100,
        Kpis = [new KpiDefinition { Key = "p99", Kind = MetricKind.LatencyP99, Role = MetricRole.Primary }],
        MinimumDetectableEffect = 0.02,
        State = ExperimentState.Running,
        Revision = 3,
        Seed = "seed-" + flagKey,
    };

    public static UnitContext User(int i) => new() { UserId = "user-" + i };

    /// <summary>Sequential ids are the hardest case for a weak hash; they are what real systems often use.</summary>
    public static string UnitId(int i) => "user-" + i;

    public static DefinitionSet Set(params ExperimentDefinition[] definitions) => new(1, definitions);
}
