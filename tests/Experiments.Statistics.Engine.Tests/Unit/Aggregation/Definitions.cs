using Experiments.Statistics.Engine.Aggregation;

namespace Experiments.Statistics.Engine.Tests.Unit.Aggregation;

internal static class Definitions
{
    public static ExperimentDefinition SixKpis(string id = "exp", RandomizationUnitKind unit = RandomizationUnitKind.User, long nStar = 0) =>
        new(id, 1, unit,
            [new VariantDefinition("control", 50, true), new VariantDefinition("treatment", 50, false)],
            [
                new MetricDefinition("mean-place", MetricKind.LatencyMean, MetricRole.Primary) { ApiName = "orders/Place" },
                new MetricDefinition("p99-place", MetricKind.LatencyP99, MetricRole.Guardrail) { ApiName = "orders/Place", Tolerance = 0.05 },
                new MetricDefinition("p50-all", MetricKind.LatencyP50, MetricRole.Secondary),
                new MetricDefinition("errors", MetricKind.ErrorRate, MetricRole.Guardrail) { Tolerance = 0.1 },
                new MetricDefinition("d1-retention", MetricKind.RetentionDayN, MetricRole.Secondary) { RetentionDay = 1, ActivityName = "login" },
                new MetricDefinition("basket", MetricKind.CustomMetric, MetricRole.Secondary) { MetricName = "basket" },
            ])
        {
            SequentialNStar = nStar,
        };
}
