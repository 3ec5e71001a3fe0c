namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>What a KPI measures.</summary>
public enum MetricKind
{
    /// <summary>Mean request latency.</summary>
    LatencyMean,

    /// <summary>Median request latency.</summary>
    LatencyP50,

    /// <summary>95th percentile of request latency.</summary>
    LatencyP95,

    /// <summary>99th percentile of request latency.</summary>
    LatencyP99,

    /// <summary>Share of requests with an error.</summary>
    ErrorRate,

    /// <summary>Share of requests without an error.</summary>
    Availability,

    /// <summary>Share of units exposed at least N + 1 days ago that were active on day N.</summary>
    RetentionDayN,

    /// <summary>Matching activity events per unit.</summary>
    Engagement,

    /// <summary>Per-unit mean of a custom metric.</summary>
    CustomMetric,
}
