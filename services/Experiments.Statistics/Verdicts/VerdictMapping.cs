using Experiments.Contracts.V1;
using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Verdicts;
using Google.Protobuf.WellKnownTypes;
using ProtoCi = Experiments.Contracts.V1.ConfidenceInterval;

namespace Experiments.Statistics.Verdicts;

/// <summary>Maps the engine's verdict to the contract's Verdict.</summary>
internal static class VerdictMapping
{
    public static Verdict ToProto(VerdictResult result, Experiment experiment, ExperimentAggregate aggregate)
    {
        var verdict = new Verdict
        {
            ExperimentId = result.ExperimentId,
            ExperimentRevision = result.Revision,
            SingleLook = aggregate.Definition.SingleLook,
            ComputeTime = Timestamp.FromDateTimeOffset(result.ComputeTime),
            AsOfTime = Timestamp.FromDateTimeOffset(result.AsOfTime),
            Decision = result.Decision switch
            {
                VerdictDecisionKind.Ship => VerdictDecision.Ship,
                VerdictDecisionKind.RollBack => VerdictDecision.RollBack,
                VerdictDecisionKind.Inconclusive => VerdictDecision.Inconclusive,
                VerdictDecisionKind.Invalid => VerdictDecision.Invalid,
                _ => VerdictDecision.KeepRunning,
            },
            WinningVariantKey = result.WinningVariantKey ?? "",
            SampleRatioCheck = new SampleRatioCheck
            {
                ChiSquare = result.SampleRatio.ChiSquare,
                DegreesOfFreedom = result.SampleRatio.DegreesOfFreedom,
                PValue = result.SampleRatio.PValue,
                Threshold = result.SampleRatio.Threshold,
                Passed = result.SampleRatio.Passed,
            },
            Horizon = new HorizonProgress
            {
                Elapsed = ProtoDurations.Clamped(result.Horizon.Elapsed),
                MaxDuration = result.Horizon.MaxDuration is { } max ? ProtoDurations.Clamped(max) : null,
                Units = result.Horizon.Units,
                MaxUnits = result.Horizon.MaxUnits,
                Reached = result.Horizon.Reached,
            },
            ControlVariantKey = experiment.Variants.FirstOrDefault(v => v.IsControl)?.Key ?? "",
            RandomizationUnit = experiment.RandomizationUnit,
            Alpha = aggregate.Definition.Alpha,
            MultipleTestingCorrection = experiment.MultipleTestingCorrection == MultipleTestingCorrection.Unspecified
                ? MultipleTestingCorrection.Holm : experiment.MultipleTestingCorrection,
            ExperimentStatus = experiment.Status,
        };
        verdict.Reasons.AddRange(result.Reasons);
        if (result.Breach is { } breach)
        {
            verdict.GuardrailBreach = new Contracts.V1.GuardrailBreach
            {
                KpiKey = breach.MetricKey, VariantKey = breach.VariantKey, AsOfTime = Timestamp.FromDateTimeOffset(breach.AsOfTime), Reason = breach.Reason,
            };
        }
        if (result.Ship is { } ship)
        {
            verdict.ShipDecision = new Contracts.V1.ShipDecision
            {
                VariantKey = ship.VariantKey, AsOfTime = Timestamp.FromDateTimeOffset(ship.AsOfTime), Reason = ship.Reason,
            };
        }
        for (var a = 0; a < result.SampleRatio.Observed.Count; a++)
        {
            verdict.SampleRatioCheck.Arms.Add(new ArmCount
            {
                VariantKey = aggregate.Definition.Variants[a].Key,
                ObservedUnits = result.SampleRatio.Observed[a],
                ExpectedShare = result.SampleRatio.ExpectedShares[a],
                ExpectedUnits = result.SampleRatio.Expected[a],
            });
        }
        // Control first, as the contract asks.
        foreach (var metric in result.Metrics)
        {
            verdict.KpiResults.Add(ToProto(metric, experiment.Kpis.First(k => k.Key == metric.Metric.Key), aggregate.Definition));
        }
        return verdict;
    }

    /// <summary>The FULL view's histograms: per arm, per request group.</summary>
    public static void AddHistograms(Verdict verdict, ExperimentAggregate aggregate)
    {
        for (var g = 0; g < aggregate.Requests.Length; g++)
        {
            for (var a = 0; a < aggregate.Definition.Variants.Count; a++)
            {
                var histogram = aggregate.Requests[g][a].Histogram;
                var proto = new LatencyHistogram
                {
                    ApiName = aggregate.Layout.GroupApis[g],
                    VariantKey = aggregate.Definition.Variants[a].Key,
                    Count = histogram.Count,
                    MinMs = histogram.Count > 0 ? histogram.Min : 0,
                    MaxMs = histogram.Count > 0 ? histogram.Max : 0,
                    SumMs = aggregate.Requests[g][a].RequestLatencies.Mean * aggregate.Requests[g][a].RequestLatencies.Count,
                    RelativeAccuracy = Engine.Histograms.LogBucketMapping.RelativeAccuracy,
                };
                foreach (var bucket in histogram.GetBuckets())
                {
                    proto.Buckets.Add(new HistogramBucket { LowerBoundMs = bucket.Lower, UpperBoundMs = bucket.Upper, Count = bucket.Count });
                }
                verdict.LatencyHistograms.Add(proto);
            }
        }
    }

    private static KpiResult ToProto(MetricResult metric, Kpi kpi, ExperimentDefinition definition)
    {
        var result = new KpiResult
        {
            KpiKey = kpi.Key,
            Kind = kpi.Kind,
            Role = kpi.Role,
            ApiName = kpi.ApiName,
            Direction = metric.Metric.EffectiveDirection == Engine.Aggregation.DesiredDirection.Increase
                ? Contracts.V1.DesiredDirection.Increase : Contracts.V1.DesiredDirection.Decrease,
            TestName = metric.TestName,
            Decision = ToProto(metric.Decision),
            Tolerance = metric.Metric.Role == MetricRole.Guardrail ? metric.Metric.Tolerance : 0,
        };
        result.Reasons.AddRange(metric.Reasons);
        var control = definition.ControlIndex;
        foreach (var arm in metric.Arms.Skip(control).Take(1).Concat(metric.Arms.Where((_, i) => i != control)))
        {
            var proto = new Contracts.V1.ArmEstimate
            {
                VariantKey = arm.VariantKey,
                Units = arm.Units,
                Observations = arm.Observations,
                Estimate = arm.Estimate,
                StandardError = arm.StandardError,
            };
            if (arm.EstimateCi is { } estimateCi)
            {
                proto.EstimateCi = Ci(estimateCi);
            }
            if (arm.Quantiles is { } q)
            {
                proto.Latency = new LatencyQuantiles { P50Ms = q.P50, P95Ms = q.P95, P99Ms = q.P99 };
            }
            result.Arms.Add(proto);
        }
        foreach (var c in metric.Comparisons)
        {
            var comparison = new ArmComparison
            {
                VariantKey = c.VariantKey,
                ControlVariantKey = c.ControlVariantKey,
                AbsoluteEffect = c.Fixed.AbsoluteEffect,
                RelativeEffect = c.Fixed.RelativeEffect,
                AbsoluteCi = Ci(c.Fixed.AbsoluteCi),
                RelativeCi = Ci(c.Fixed.RelativeCi),
                PValue = c.Fixed.PValue,
                AdjustedPValue = c.AdjustedPValue,
                AbsoluteConfidenceSequence = Ci(c.Sequential.AbsoluteCi),
                RelativeConfidenceSequence = Ci(c.Sequential.RelativeCi),
                SequentialPValue = c.Sequential.PValue,
                AdjustedSequentialPValue = c.AdjustedSequentialPValue,
                Statistic = c.Fixed.Statistic,
                DegreesOfFreedom = double.IsFinite(c.Fixed.DegreesOfFreedom) ? c.Fixed.DegreesOfFreedom : 0,
                RuledOutRelativeEffect = c.RuledOutRelativeEffect,
                Decision = ToProto(c.Decision),
                DecisionInterval = Ci(c.DecisionInterval),
                DecisionPValue = c.DecisionPValue,
                DecisionLevel = c.DecisionLevel,
                GuardrailStatus = c.Guardrail switch
                {
                    Engine.Verdicts.GuardrailStatus.WithinTolerance => Contracts.V1.GuardrailStatus.WithinTolerance,
                    Engine.Verdicts.GuardrailStatus.BeyondTolerance => Contracts.V1.GuardrailStatus.BeyondTolerance,
                    Engine.Verdicts.GuardrailStatus.NotYetShown => Contracts.V1.GuardrailStatus.NotYetShown,
                    _ => Contracts.V1.GuardrailStatus.Unspecified,
                },
            };
            comparison.Reasons.AddRange(c.Reasons);
            foreach (var s in c.Supplementary)
            {
                comparison.SupplementaryTests.Add(new SupplementaryTest
                {
                    TestName = s.TestName, Statistic = s.Statistic, PValue = s.PValue, Estimate = s.Estimate, EstimateCi = Ci(s.EstimateCi),
                });
            }
            result.Comparisons.Add(comparison);
        }
        if (metric.Power is { } power)
        {
            result.Power = new PowerAnalysis
            {
                MinimumDetectableEffect = power.MinimumDetectableEffect,
                TargetPower = power.TargetPower,
                RequiredUnitsPerArm = power.RequiredUnitsPerArm,
                ObservedUnitsPerArm = power.ObservedUnitsPerArm,
                EstimatedTimeRemaining = power.EstimatedTimeRemaining is { } remaining ? ProtoDurations.Clamped(remaining) : null,
                NonInferiority = power.NonInferiority,
            };
        }
        foreach (var tail in metric.TailContributors)
        {
            var proto = new Contracts.V1.TailContributor
            {
                VariantKey = tail.VariantKey,
                TailRequestCount = tail.TailRequests,
                RequestCount = tail.Requests,
                TailShare = tail.TailShare,
                TailThresholdMs = tail.TailThresholdMs,
            };
            if (tail.ClientId is not null)
            {
                proto.ClientId = tail.ClientId;
            }
            else
            {
                proto.UnitId = tail.UnitId ?? "";
            }
            result.TailContributors.Add(proto);
        }
        return result;
    }

    private static ProtoCi Ci(Engine.Inference.ConfidenceInterval ci) => new() { Lower = ci.Lower, Upper = ci.Upper };

    private static KpiDecision ToProto(MetricDecision decision) => decision switch
    {
        MetricDecision.Better => KpiDecision.Better,
        MetricDecision.Worse => KpiDecision.Worse,
        MetricDecision.WorseWithinTolerance => KpiDecision.WorseWithinTolerance,
        MetricDecision.NoSignificantDifference => KpiDecision.NoSignificantDifference,
        MetricDecision.Equivalent => KpiDecision.Equivalent,
        MetricDecision.InsufficientData => KpiDecision.InsufficientData,
        _ => KpiDecision.NotEvaluated,
    };
}
