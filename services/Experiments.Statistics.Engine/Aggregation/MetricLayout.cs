namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>
/// Which state an experiment's KPIs need: one request group per distinct API among request KPIs (so a mean and a
/// p99 of the same API share counters), per-unit histograms only where a clustered quantile needs them.
/// </summary>
public sealed class MetricLayout
{
    /// <summary>Lays out <paramref name="definition"/>'s KPIs.</summary>
    public MetricLayout(ExperimentDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var apis = new List<string>();
        var groupOf = new int[definition.Metrics.Count];
        var needsHistograms = new List<bool>();
        var tail = new List<double>();
        var latency = new List<bool>();
        var errors = new List<bool>();
        for (var k = 0; k < definition.Metrics.Count; k++)
        {
            var metric = definition.Metrics[k];
            groupOf[k] = -1;
            if (!metric.IsRequestBased)
            {
                continue;
            }
            var g = apis.IndexOf(metric.ApiName);
            if (g < 0)
            {
                g = apis.Count;
                apis.Add(metric.ApiName);
                needsHistograms.Add(false);
                tail.Add(1);
                latency.Add(false);
                errors.Add(false);
            }
            latency[g] |= metric.Kind == MetricKind.LatencyMean;
            errors[g] |= metric.Kind is MetricKind.ErrorRate or MetricKind.Availability;
            groupOf[k] = g;
            if (metric.IsQuantile && definition.Unit != RandomizationUnitKind.Request)
            {
                needsHistograms[g] = true;
            }
            if (metric.Kind is MetricKind.LatencyMean or MetricKind.LatencyP50 or MetricKind.LatencyP95 or MetricKind.LatencyP99)
            {
                tail[g] = Math.Min(tail[g], TailProbability(metric.Kind));
            }
        }
        GroupApis = apis;
        GroupOf = groupOf;
        GroupKeepsUnitHistograms = needsHistograms;
        GroupTailProbability = tail;
        GroupTracksLatencySums = latency;
        GroupTracksErrors = errors;
    }

    /// <summary>Whether a group has a mean-latency KPI (per-unit latency sums for the ratio metric).</summary>
    public IReadOnlyList<bool> GroupTracksLatencySums { get; }

    /// <summary>Whether a group has an error-rate or availability KPI (per-unit error counts).</summary>
    public IReadOnlyList<bool> GroupTracksErrors { get; }

    /// <summary>API of each request group ("" = all APIs).</summary>
    public IReadOnlyList<string> GroupApis { get; }

    /// <summary>Request group of each KPI, -1 for KPIs not based on requests.</summary>
    public IReadOnlyList<int> GroupOf { get; }

    /// <summary>Whether a group keeps a histogram per unit (clustered quantiles).</summary>
    public IReadOnlyList<bool> GroupKeepsUnitHistograms { get; }

    /// <summary>Lowest quantile that starts a tail among the group's latency KPIs (1 when none).</summary>
    public IReadOnlyList<double> GroupTailProbability { get; }

    /// <summary>Where the tail starts for a latency KPI: p95 for a p95 KPI, p99 for every other latency kind.</summary>
    public static double TailProbability(MetricKind kind) => kind == MetricKind.LatencyP95 ? 0.95 : 0.99;
}
