using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>A KPI's value in one arm.</summary>
/// <param name="Units">Units with data for the KPI.</param>
/// <param name="Observations">Requests, events or units behind the estimate.</param>
/// <param name="Estimate">The KPI in its natural unit.</param>
/// <param name="StandardError">Standard error, clustered by unit where the analysis is.</param>
/// <param name="Quantiles">Latency kinds: (p50, p95, p99) in ms.</param>
public sealed record ArmResult(string VariantKey, long Units, long Observations, double Estimate, double StandardError, (double P50, double P95, double P99)? Quantiles)
{
    /// <summary>Quantile kinds: the fixed-horizon interval of the arm's quantile (outer interval at level 1 − α); null otherwise.</summary>
    public ConfidenceInterval? EstimateCi { get; init; }
}

/// <summary>A test reported beside the main one.</summary>
public sealed record SupplementaryResult(string TestName, double Statistic, double PValue, double Estimate, ConfidenceInterval EstimateCi);

/// <summary>One treatment against the control on one KPI.</summary>
/// <param name="Fixed">The fixed-horizon test (shown for reference; no decision uses it).</param>
/// <param name="Sequential">The always-valid comparison at level 1 − α, unadjusted.</param>
/// <param name="AdjustedSequentialPValue">
/// Primary and secondary KPIs: the always-valid p-value after the experiment's correction. Guardrails stand outside
/// that family (intersection–union, see <see cref="VerdictEngine"/>): their unadjusted always-valid p-value.
/// </param>
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
    IReadOnlyList<string> Reasons)
{
    /// <summary>
    /// The always-valid interval of the relative effect the decision rests on: for primary and secondary KPIs at
    /// the level the multiple-testing correction leaves this comparison (it excludes 0 exactly when the adjusted
    /// p-value is at most α); for guardrails at 1 − α.
    /// </summary>
    public ConfidenceInterval DecisionInterval { get; init; } = ConfidenceInterval.Unbounded;

    /// <summary>The error level of <see cref="DecisionInterval"/> (α, or less after a correction).</summary>
    public double DecisionLevel { get; init; } = double.NaN;

    /// <summary>
    /// The p-value the decision rests on, dual to <see cref="DecisionInterval"/>: primary and secondary KPIs, the
    /// adjusted always-valid p-value of "no difference"; guardrails, the always-valid p-value of "the effect equals
    /// the tolerance" (at most α exactly when the interval lies wholly within or wholly beyond the tolerance).
    /// </summary>
    public double DecisionPValue { get; init; } = double.NaN;

    /// <summary>Guardrails only: where the interval lies against the tolerance.</summary>
    public GuardrailStatus? Guardrail { get; init; }
}

/// <summary>
/// Sample size the always-valid rule needs: for a primary or secondary KPI, to detect the MDE; for a guardrail, to show
/// it within its tolerance (non-inferiority) when the change leaves it unharmed.
/// </summary>
/// <param name="MinimumDetectableEffect">The MDE; for a guardrail, its tolerance (the non-inferiority margin).</param>
/// <param name="RequiredUnitsPerArm">Units per arm at which the always-valid interval reaches that with the target power.</param>
/// <param name="FixedHorizonUnitsPerArm">The same for a single fixed-horizon test, for comparison.</param>
/// <param name="EstimatedTimeRemaining">At the enrolment rate so far, in event time (first exposure to the latest event).</param>
public sealed record PowerResult(double MinimumDetectableEffect, double TargetPower, long RequiredUnitsPerArm, long FixedHorizonUnitsPerArm, long ObservedUnitsPerArm, TimeSpan? EstimatedTimeRemaining)
{
    /// <summary>Whether the figures are for a guardrail's non-inferiority proof rather than for detecting the MDE.</summary>
    public bool NonInferiority { get; init; }
}

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

/// <summary>Progress against the planned horizon, in event time: <paramref name="Elapsed"/> runs from the first exposure to the latest event.</summary>
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
    HorizonResult Horizon)
{
    /// <summary>The guardrail breach that made this verdict ROLL_BACK, at this look or an earlier one; it stays.</summary>
    public GuardrailBreach? Breach { get; init; }

    /// <summary>The first SHIP of this experiment, at this look or an earlier one; it stays unless a guardrail breach comes.</summary>
    public ShipDecision? Ship { get; init; }
}
