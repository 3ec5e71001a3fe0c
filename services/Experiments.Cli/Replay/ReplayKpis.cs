using Experiments.Contracts.V1;

namespace Experiments.Cli.Replay;

/// <summary>
/// The KPIs a replay is judged on. With <c>--experiment</c>: that experiment's request-based KPIs whose API was
/// replayed (or that name no API), roles and tolerances as defined. Otherwise, per replayed API: p50 latency (primary
/// for the most-called API, secondary for the others), p99 latency (guardrail, tolerance 20%) and error rate
/// (guardrail, tolerance 100%: at most twice the control's).
/// </summary>
internal static class ReplayKpis
{
    public const double P99Tolerance = 0.20;
    public const double ErrorRateTolerance = 1.00;

    public const string DefaultsHelp =
        "KPIs without --experiment, per replayed API: p50 latency (primary for the most-called API, secondary otherwise), " +
        "p99 latency (guardrail, tolerance 20%), error rate (guardrail, tolerance 100%). With --experiment: its request-based KPIs " +
        "whose API was replayed, with their roles and tolerances.";

    public static List<Kpi> Defaults(IEnumerable<string> replayedApiNames)
    {
        var byCalls = replayedApiNames.CountBy(api => api).OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).ToList();
        var kpis = new List<Kpi>();
        for (var i = 0; i < byCalls.Count; i++)
        {
            var api = byCalls[i];
            kpis.Add(new Kpi { Key = "p50 " + api, Kind = KpiKind.LatencyP50, Role = i == 0 ? KpiRole.Primary : KpiRole.Secondary, ApiName = api });
            kpis.Add(new Kpi { Key = "p99 " + api, Kind = KpiKind.LatencyP99, Role = KpiRole.Guardrail, ApiName = api, Tolerance = P99Tolerance });
            kpis.Add(new Kpi { Key = "errors " + api, Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, ApiName = api, Tolerance = ErrorRateTolerance });
        }
        return kpis;
    }

    public static List<Kpi> FromExperiment(Experiment experiment, IReadOnlySet<string> replayedApiNames)
    {
        var kpis = experiment.Kpis
            .Where(k => k.Kind is KpiKind.LatencyMean or KpiKind.LatencyP50 or KpiKind.LatencyP95 or KpiKind.LatencyP99 or KpiKind.ErrorRate or KpiKind.Availability)
            .Where(k => k.ApiName.Length == 0 || replayedApiNames.Contains(k.ApiName))
            .ToList();
        return kpis.Count > 0
            ? kpis
            : throw new CliUsageException($"experiment {experiment.Id} has no request-based KPI (latency, error rate, availability) on an API this capture replays ({string.Join(", ", replayedApiNames.Order(StringComparer.Ordinal))})");
    }
}
