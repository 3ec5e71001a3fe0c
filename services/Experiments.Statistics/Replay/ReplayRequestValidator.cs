using Experiments.Contracts.V1;
using Experiments.Statistics.Rpc;
using Grpc.Core;

namespace Experiments.Statistics.Replay;

/// <summary>What AnalyzeReplay refuses, each refusal naming its field.</summary>
internal static class ReplayRequestValidator
{
    public static void Validate(AnalyzeReplayRequest request, int maxObservations, double maxLatencyMs)
    {
        if (string.IsNullOrWhiteSpace(request.ReplayId))
        {
            throw InvalidArgument.For("replay_id", "is required");
        }
        if (string.IsNullOrEmpty(request.ControlVariant))
        {
            throw InvalidArgument.For("control_variant", "is required");
        }
        if (string.IsNullOrEmpty(request.TreatmentVariant))
        {
            throw InvalidArgument.For("treatment_variant", "is required");
        }
        if (request.TreatmentVariant == request.ControlVariant)
        {
            throw InvalidArgument.For("treatment_variant", "must differ from control_variant");
        }
        if (request.Alpha is < 0 or >= 1 || double.IsNaN(request.Alpha))
        {
            throw InvalidArgument.For("alpha", "must lie in (0, 1), or be 0 for 0.05");
        }
        if (request.MinimumDetectableEffect < 0 || !double.IsFinite(request.MinimumDetectableEffect))
        {
            throw InvalidArgument.For("minimum_detectable_effect", "must be a non-negative relative effect, or 0 for 0.05");
        }
        ValidateKpis(request);
        if (request.Observations.Count == 0)
        {
            throw InvalidArgument.For("observations", "at least one observation is required");
        }
        if (request.Observations.Count > maxObservations)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"observations: {request.Observations.Count} exceed the limit of {maxObservations} (Statistics:Replay:MaxObservations)"));
        }
        for (var i = 0; i < request.Observations.Count; i++)
        {
            var observation = request.Observations[i];
            if (observation.VariantKey != request.ControlVariant && observation.VariantKey != request.TreatmentVariant)
            {
                throw InvalidArgument.For($"observations[{i}].variant_key", $"'{observation.VariantKey}' is neither control_variant nor treatment_variant");
            }
            if (!double.IsFinite(observation.LatencyMs) || observation.LatencyMs < 0 || observation.LatencyMs > maxLatencyMs)
            {
                throw InvalidArgument.For($"observations[{i}].latency_ms", $"must lie in [0, {maxLatencyMs}] ms");
            }
        }
    }

    private static void ValidateKpis(AnalyzeReplayRequest request)
    {
        if (request.Kpis.Count == 0)
        {
            throw InvalidArgument.For("kpis", "at least one request-based KPI is required");
        }
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < request.Kpis.Count; i++)
        {
            var kpi = request.Kpis[i];
            if (string.IsNullOrEmpty(kpi.Key))
            {
                throw InvalidArgument.For($"kpis[{i}].key", "is required");
            }
            if (!keys.Add(kpi.Key))
            {
                throw InvalidArgument.For($"kpis[{i}].key", $"'{kpi.Key}' is used twice");
            }
            if (kpi.Kind is not (KpiKind.LatencyMean or KpiKind.LatencyP50 or KpiKind.LatencyP95 or KpiKind.LatencyP99
                or KpiKind.ErrorRate or KpiKind.Availability))
            {
                throw InvalidArgument.For($"kpis[{i}].kind", $"{kpi.Kind} is not request-based: a replay measures latency, error rate and availability only");
            }
            if (kpi.Tolerance < 0 || !double.IsFinite(kpi.Tolerance))
            {
                throw InvalidArgument.For($"kpis[{i}].tolerance", "must be a non-negative relative effect");
            }
            if (kpi.MinimumDetectableEffect < 0 || !double.IsFinite(kpi.MinimumDetectableEffect))
            {
                throw InvalidArgument.For($"kpis[{i}].minimum_detectable_effect", "must be a non-negative relative effect");
            }
        }
    }
}
