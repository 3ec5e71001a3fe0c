using Experiments.Contracts.V1;
using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.MultipleTesting;

namespace Experiments.Statistics.Definitions;

/// <summary>Maps the assignment service's Experiment to the engine's definition.</summary>
internal static class DefinitionMapping
{
    public static ExperimentDefinition ToDefinition(Experiment experiment) =>
        new(experiment.Id, experiment.Revision, experiment.RandomizationUnit switch
        {
            RandomizationUnit.Session => RandomizationUnitKind.Session,
            RandomizationUnit.Request => RandomizationUnitKind.Request,
            _ => RandomizationUnitKind.User,
        },
        [.. experiment.Variants.Select(v => new VariantDefinition(v.Key, v.Weight, v.IsControl))],
        [.. experiment.Kpis.Select(ToMetric)])
        {
            Alpha = experiment.Alpha > 0 ? experiment.Alpha : 0.05,
            MinimumDetectableEffect = experiment.MinimumDetectableEffect > 0 ? experiment.MinimumDetectableEffect : 0.05,
            Power = experiment.Power > 0 ? experiment.Power : 0.8,
            Correction = experiment.MultipleTestingCorrection switch
            {
                Contracts.V1.MultipleTestingCorrection.BenjaminiHochberg => MultipleTestingMethod.BenjaminiHochberg,
                Contracts.V1.MultipleTestingCorrection.None => null,
                _ => MultipleTestingMethod.Holm,
            },
            SequentialNStar = experiment.SequentialNStar,
            AutoRollback = experiment.AutoRollback,
            StartTime = experiment.StartTime?.ToDateTimeOffset(),
            StopTime = AnalysisEnd(experiment),
            MaxDuration = experiment.Horizon?.MaxDuration?.ToTimeSpan(),
            MaxUnits = experiment.Horizon?.MaxUnits ?? 0,
        };

    /// <summary>
    /// When the experiment stopped serving its arms: its stop time, or for a running experiment ramped to 0% (an
    /// automatic rollback) the time of that revision — from then on every unit gets the default variant whatever its arm.
    /// </summary>
    private static DateTimeOffset? AnalysisEnd(Experiment experiment) =>
        experiment.StopTime?.ToDateTimeOffset()
        ?? (experiment.Status == ExperimentStatus.Running && experiment.RolloutPercent <= 0 ? experiment.UpdateTime?.ToDateTimeOffset() : null);

    private static MetricDefinition ToMetric(Kpi kpi) =>
        new(kpi.Key, kpi.Kind switch
        {
            KpiKind.LatencyP50 => MetricKind.LatencyP50,
            KpiKind.LatencyP95 => MetricKind.LatencyP95,
            KpiKind.LatencyP99 => MetricKind.LatencyP99,
            KpiKind.ErrorRate => MetricKind.ErrorRate,
            KpiKind.Availability => MetricKind.Availability,
            KpiKind.RetentionDayN => MetricKind.RetentionDayN,
            KpiKind.Engagement => MetricKind.Engagement,
            KpiKind.CustomMetric => MetricKind.CustomMetric,
            _ => MetricKind.LatencyMean,
        }, kpi.Role switch
        {
            KpiRole.Guardrail => MetricRole.Guardrail,
            KpiRole.Secondary => MetricRole.Secondary,
            _ => MetricRole.Primary,
        })
        {
            ApiName = kpi.ApiName,
            Direction = kpi.Direction switch
            {
                Contracts.V1.DesiredDirection.Increase => Engine.Aggregation.DesiredDirection.Increase,
                Contracts.V1.DesiredDirection.Decrease => Engine.Aggregation.DesiredDirection.Decrease,
                _ => null,
            },
            Tolerance = kpi.Tolerance,
            MinimumDetectableEffect = kpi.MinimumDetectableEffect,
            RetentionDay = kpi.RetentionDay,
            ActivityName = kpi.ActivityName,
            MetricName = kpi.MetricName,
        };
}
