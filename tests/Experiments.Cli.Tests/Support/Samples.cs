using Experiments.Contracts.V1;

namespace Experiments.Cli.Tests.Support;

/// <summary>Definitions and verdicts the tests start from.</summary>
public static class Samples
{
    public static string ExampleFile => Path.Combine(AppContext.BaseDirectory, "samples", "place-order-engine.yaml");

    public static Experiment Experiment(string id, ExperimentStatus status = ExperimentStatus.Draft, long revision = 1, string layer = "") => new()
    {
        Id = id,
        FlagKey = id + "-flag",
        Status = status,
        Revision = revision,
        RandomizationUnit = RandomizationUnit.User,
        RolloutPercent = 10,
        MinimumDetectableEffect = 0.02,
        Layer = layer.Length > 0 ? new LayerPlacement { Name = layer, TrafficPercent = 50 } : null,
        Variants =
        {
            new Variant { Key = "control", Weight = 50, IsControl = true },
            new Variant { Key = "fast-engine", Weight = 50 },
        },
        Kpis = { new Kpi { Key = "p99", Kind = KpiKind.LatencyP99, Role = KpiRole.Primary } },
    };

    /// <summary>A verdict as the statistics service would send it: a latency primary that improved, a guardrail within tolerance.</summary>
    public static Verdict Verdict(string id, VerdictDecision decision = VerdictDecision.Ship) => new()
    {
        ExperimentId = id,
        ExperimentRevision = 3,
        Decision = decision,
        WinningVariantKey = decision == VerdictDecision.Ship ? "fast-engine" : "",
        Reasons = { "p99 latency of PlaceOrder 12.4% lower (always-valid 95% CI -15.1% to -9.6%)" },
        ExperimentStatus = ExperimentStatus.Running,
        ControlVariantKey = "control",
        RandomizationUnit = RandomizationUnit.User,
        Alpha = 0.05,
        MultipleTestingCorrection = MultipleTestingCorrection.Holm,
        SampleRatioCheck = new SampleRatioCheck
        {
            Arms =
            {
                new ArmCount { VariantKey = "control", ObservedUnits = 5012, ExpectedShare = 0.5, ExpectedUnits = 5000 },
                new ArmCount { VariantKey = "fast-engine", ObservedUnits = 4988, ExpectedShare = 0.5, ExpectedUnits = 5000 },
            },
            ChiSquare = 0.0576,
            DegreesOfFreedom = 1,
            PValue = 0.8103,
            Threshold = 0.001,
            Passed = true,
        },
        Horizon = new HorizonProgress { Units = 10000, MaxUnits = 20000, Elapsed = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(30)) },
        KpiResults =
        {
            new KpiResult
            {
                KpiKey = "p99-place-order",
                Kind = KpiKind.LatencyP99,
                Role = KpiRole.Primary,
                ApiName = "PlaceOrder",
                TestName = "clustered quantile difference (delta method)",
                Arms =
                {
                    new ArmEstimate { VariantKey = "control", Units = 5012, Observations = 80211, Estimate = 182.5, StandardError = 2.1 },
                    new ArmEstimate { VariantKey = "fast-engine", Units = 4988, Observations = 79840, Estimate = 159.9, StandardError = 1.9 },
                },
                Comparisons =
                {
                    new ArmComparison
                    {
                        VariantKey = "fast-engine",
                        ControlVariantKey = "control",
                        AbsoluteEffect = -22.6,
                        RelativeEffect = -0.124,
                        RelativeConfidenceSequence = new ConfidenceInterval { Lower = -0.151, Upper = -0.096 },
                        AbsoluteConfidenceSequence = new ConfidenceInterval { Lower = -27.6, Upper = -17.5 },
                        PValue = 0.00002,
                        AdjustedSequentialPValue = 0.0031,
                        SequentialPValue = 0.0016,
                        DecisionInterval = new ConfidenceInterval { Lower = -0.151, Upper = -0.096 },
                        DecisionPValue = 0.0031,
                        DecisionLevel = 0.05,
                        Decision = KpiDecision.Better,
                        Reasons = { "12.4% lower, significant at the always-valid level" },
                    },
                },
                Decision = KpiDecision.Better,
                Reasons = { "primary KPI improved" },
            },
            new KpiResult
            {
                KpiKey = "errors-place-order",
                Kind = KpiKind.ErrorRate,
                Role = KpiRole.Guardrail,
                ApiName = "PlaceOrder",
                TestName = "delta-method ratio z-test",
                Arms =
                {
                    new ArmEstimate { VariantKey = "control", Units = 5012, Observations = 80211, Estimate = 0.0101 },
                    new ArmEstimate { VariantKey = "fast-engine", Units = 4988, Observations = 79840, Estimate = 0.0103 },
                },
                Comparisons =
                {
                    new ArmComparison
                    {
                        VariantKey = "fast-engine",
                        ControlVariantKey = "control",
                        AbsoluteEffect = 0.0002,
                        RelativeEffect = 0.0198,
                        RelativeConfidenceSequence = new ConfidenceInterval { Lower = -0.08, Upper = double.PositiveInfinity },
                        AbsoluteConfidenceSequence = new ConfidenceInterval { Lower = -0.0008, Upper = 0.0012 },
                        PValue = 0.61,
                        AdjustedSequentialPValue = 1,
                        DecisionInterval = new ConfidenceInterval { Lower = -0.08, Upper = 0.3 },
                        DecisionPValue = 0.004,
                        DecisionLevel = 0.05,
                        GuardrailStatus = GuardrailStatus.WithinTolerance,
                        Decision = KpiDecision.NoSignificantDifference,
                        Reasons = { "no significant difference" },
                    },
                },
                Decision = KpiDecision.NoSignificantDifference,
                Tolerance = 0.5,
                Power = new PowerAnalysis { MinimumDetectableEffect = 0.02, TargetPower = 0.8, RequiredUnitsPerArm = 31000, ObservedUnitsPerArm = 4988 },
            },
        },
    };
}
