using Experiments.Contracts.V1;

namespace Experiments.Sdk.Tests.Support;

/// <summary>Experiments as the assignment service serves them on WatchDefinitions.</summary>
internal static class SampleDefinitions
{
    public const string Flag = "place-order-engine";

    public static Experiment Running(double rollout = 100, double controlWeight = 50, long revision = 2, RandomizationUnit unit = RandomizationUnit.User)
    {
        var experiment = new Experiment
        {
            Id = "engine-v2",
            FlagKey = Flag,
            RandomizationUnit = unit,
            RolloutPercent = rollout,
            MinimumDetectableEffect = 0.02,
            Status = ExperimentStatus.Running,
            Revision = revision,
            Seed = "seed-engine-v2",
        };
        experiment.Variants.Add(new Variant { Key = "control", Weight = controlWeight, IsControl = true });
        experiment.Variants.Add(new Variant { Key = "fast-engine", Weight = 100 - controlWeight });
        experiment.Kpis.Add(new Kpi { Key = "p99", Kind = KpiKind.LatencyP99, Role = KpiRole.Primary });
        return experiment;
    }
}
