using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>A KPI's value in one arm.</summary>
/// <param name="Units">Units with data for the KPI.</param>
/// <param name="Observations">Requests, events or units behind the estimate.</param>
/// <param name="Estimate">The KPI in its natural unit.</param>
/// <param name="StandardError">Standard error, clustered by unit where the analysis is.</param>
/// <param name="Quantiles">Latency kinds: (p50, p95, p99) in ms.</param>
public sealed record ArmResult(string VariantKey, long Units, long Observations, double Estimate, double StandardError, (double P50, double P95, double P99)? Quantiles);

/// <summary>A test reported beside the main one.</summary>
public sealed record SupplementaryResult(string TestName, double Statistic, double PValue, double Estimate, ConfidenceInterval EstimateCi);

/// <summary>One treatment against the control on one KPI.</summary>
/// <param name="Fixed">The fixed-horizon test.</param>
/// <param name="Sequential">The always-valid comparison (decisions use it).</param>
public sealed record ComparisonResult(
    string VariantKey,
    string ControlVariantKey,
    TestResult Fixed,
    TestResult Sequential,
    double AdjustedPValue,
    double AdjustedSequentialPValue,
    double RuledOutRelativeEffect,
    IReadOnlyList<SupplementaryResult> Supplementary,
    MetricDecision Decision,
    IReadOnlyList<string> Reasons);

/// <summary>Sample size needed to detect the MDE with the always-valid test.</summary>
/// <param name="RequiredUnitsPerArm">Units per arm at which the always-valid interval detects the MDE with the target power.</param>
/// <param name="FixedHorizonUnitsPerArm">The same for a single fixed-horizon test, for comparison.</param>
public sealed record PowerResult(double MinimumDetectableEffect, double TargetPower, long RequiredUnitsPerArm, long FixedHorizonUnitsPerArm, long ObservedUnitsPerArm, TimeSpan? EstimatedTimeRemaining);

/// <summary>A client or unit over-represented in an arm's latency tail.</summary>
public sealed record TailContributorResult(string VariantKey, string? ClientId, string? UnitId, long TailRequests, long Requests, double TailShare, double TailThresholdMs);

/// <summary>The evidence for one KPI.</summary>
public sealed record MetricResult(
    MetricDefinition Metric,
    string TestName,
    IReadOnlyList<ArmResult> Arms,
    IReadOnlyList<ComparisonResult> Comparisons,
    MetricDecision Decision,
    IReadOnlyList<string> Reasons,
    PowerResult? Power,
    IReadOnlyList<TailContributorResult> TailContributors);

/// <summary>Pearson χ² of exposures against the weights.</summary>
public sealed record SampleRatioResult(IReadOnlyList<long> Observed, IReadOnlyList<double> ExpectedShares, IReadOnlyList<double> Expected, double ChiSquare, int DegreesOfFreedom, double PValue, double Threshold, bool Passed);

/// <summary>Progress against the planned horizon.</summary>
public sealed record HorizonResult(TimeSpan Elapsed, TimeSpan? MaxDuration, long Units, long MaxUnits, bool Reached);

/// <summary>What the engine concludes about an experiment at one moment.</summary>
public sealed record VerdictResult(
    string ExperimentId,
    long Revision,
    DateTimeOffset ComputeTime,
    DateTimeOffset AsOfTime,
    VerdictDecisionKind Decision,
    string? WinningVariantKey,
    IReadOnlyList<string> Reasons,
    SampleRatioResult SampleRatio,
    IReadOnlyList<MetricResult> Metrics,
    HorizonResult Horizon);
