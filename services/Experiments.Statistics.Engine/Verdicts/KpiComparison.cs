using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>The raw outcome of one KPI comparison before multiplicity and decisions.</summary>
internal sealed record KpiComparison(
    int Arm,
    ArmEstimate Control,
    ArmEstimate Treatment,
    TestResult Fixed,
    TestResult Sequential,
    IReadOnlyList<SupplementaryResult> Supplementary);
