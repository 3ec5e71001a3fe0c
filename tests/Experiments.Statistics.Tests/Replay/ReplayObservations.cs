using Experiments.Contracts.V1;

namespace Experiments.Statistics.Tests.Replay;

/// <summary>Replay observations a test makes up, with the raw values kept for the reference computation.</summary>
internal static class ReplayObservations
{
    public static AnalyzeReplayRequest Request(params Kpi[] kpis)
    {
        var request = new AnalyzeReplayRequest { ReplayId = "replay-test", ControlVariant = "control", TreatmentVariant = "new-router" };
        request.Kpis.AddRange(kpis);
        return request;
    }

    public static void Add(AnalyzeReplayRequest request, string api, string variant, IReadOnlyList<double> latencies, IReadOnlyList<bool> errors)
    {
        for (var i = 0; i < latencies.Count; i++)
        {
            request.Observations.Add(new ReplayObservation
            {
                CaptureId = api + "-" + i, ApiName = api, VariantKey = variant, LatencyMs = latencies[i], Error = errors[i],
            });
        }
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    public static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
