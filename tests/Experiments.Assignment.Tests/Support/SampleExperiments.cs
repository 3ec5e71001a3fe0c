using Experiments.Contracts.V1;

namespace Experiments.Assignment.Tests.Support;

/// <summary>Valid experiment definitions as a client that knows only the protos would write them.</summary>
internal static class SampleExperiments
{
    public static Experiment Valid(string flagKey, double rollout = 100, RandomizationUnit unit = RandomizationUnit.User)
    {
        var experiment = new Experiment
        {
            FlagKey = flagKey,
            DisplayName = "Faster matching engine",
            Description = "Hypothesis: p99 of PlaceOrder drops by 10%.",
            RandomizationUnit = unit,
            RolloutPercent = rollout,
            MinimumDetectableEffect = 0.02,
        };
        experiment.Variants.Add(new Variant { Key = "control", Weight = 50, IsControl = true, Payload = "{\"engine\":\"v1\"}" });
        experiment.Variants.Add(new Variant { Key = "fast-engine", Weight = 50, Payload = "{\"engine\":\"v2\"}" });
        experiment.Kpis.Add(new Kpi { Key = "p99-place-order", Kind = KpiKind.LatencyP99, Role = KpiRole.Primary, ApiName = "orders.v1.Orders/PlaceOrder" });
        experiment.Kpis.Add(new Kpi { Key = "errors", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, Tolerance = 0.01 });
        return experiment;
    }

    public static Experiment InLayer(string flagKey, string layer, double traffic)
    {
        var experiment = Valid(flagKey);
        experiment.Layer = new LayerPlacement { Name = layer, TrafficPercent = traffic };
        return experiment;
    }
}
