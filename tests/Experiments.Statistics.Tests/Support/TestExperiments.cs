using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Statistics.Tests.Support;

/// <summary>Experiment definitions as the assignment service would stream them.</summary>
internal static class TestExperiments
{
    public const string Api = "orders/Place";

    /// <summary>Users split 50/50, everyone enrolled (100%); mean latency (primary), p99 and error rate (guardrails), all to decrease.</summary>
    public static Experiment Latency(string id = "exp-1", bool autoRollback = false, long revision = 1)
    {
        var experiment = new Experiment
        {
            Id = id,
            FlagKey = "flag-" + id,
            RandomizationUnit = RandomizationUnit.User,
            Status = ExperimentStatus.Running,
            RolloutPercent = 100,
            Revision = revision,
            Alpha = 0.05,
            MinimumDetectableEffect = 0.05,
            AutoRollback = autoRollback,
            StartTime = Timestamp.FromDateTimeOffset(Traffic.Start),
        };
        experiment.Variants.Add(new Variant { Key = "control", Weight = 50, IsControl = true });
        experiment.Variants.Add(new Variant { Key = "treatment", Weight = 50 });
        experiment.Kpis.Add(new Kpi { Key = "mean-latency", Kind = KpiKind.LatencyMean, Role = KpiRole.Primary, ApiName = Api, Direction = DesiredDirection.Decrease });
        experiment.Kpis.Add(new Kpi { Key = "p99-latency", Kind = KpiKind.LatencyP99, Role = KpiRole.Guardrail, ApiName = Api, Direction = DesiredDirection.Decrease, Tolerance = 0.05 });
        experiment.Kpis.Add(new Kpi { Key = "error-rate", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, Direction = DesiredDirection.Decrease, Tolerance = 0.1 });
        return experiment;
    }

    /// <summary>Six KPIs of every kind the engine aggregates, for sharding and benchmarks.</summary>
    public static Experiment SixKpis(string id = "exp-6")
    {
        var experiment = Latency(id);
        experiment.Kpis.Add(new Kpi { Key = "p50-all", Kind = KpiKind.LatencyP50, Role = KpiRole.Secondary, Direction = DesiredDirection.Decrease });
        experiment.Kpis.Add(new Kpi { Key = "d1-retention", Kind = KpiKind.RetentionDayN, Role = KpiRole.Secondary, RetentionDay = 1, ActivityName = "login", Direction = DesiredDirection.Increase });
        experiment.Kpis.Add(new Kpi { Key = "basket", Kind = KpiKind.CustomMetric, Role = KpiRole.Secondary, MetricName = "basket", Direction = DesiredDirection.Increase });
        return experiment;
    }
}
