namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>One KPI of an experiment.</summary>
/// <param name="Key">Stable key, unique within the experiment.</param>
/// <param name="Kind">What is measured.</param>
/// <param name="Role">How it counts towards the verdict.</param>
public sealed record MetricDefinition(string Key, MetricKind Kind, MetricRole Role)
{
    /// <summary>Request kinds: only this API's requests; empty means all.</summary>
    public string ApiName { get; init; } = "";

    /// <summary>Which way is better; null means the kind's natural direction.</summary>
    public DesiredDirection? Direction { get; init; }

    /// <summary>Guardrails: relative harm tolerated (0.02 = 2% worse) before a breach.</summary>
    public double Tolerance { get; init; }

    /// <summary>Relative MDE overriding the experiment's; 0 means the experiment's.</summary>
    public double MinimumDetectableEffect { get; init; }

    /// <summary>Retention: the day N ≥ 1 on which a unit must be active.</summary>
    public int RetentionDay { get; init; }

    /// <summary>Retention and engagement: the activity that counts; empty means any activity or request.</summary>
    public string ActivityName { get; init; } = "";

    /// <summary>Custom metrics: the metric name.</summary>
    public string MetricName { get; init; } = "";

    /// <summary>The direction that counts as better.</summary>
    public DesiredDirection EffectiveDirection => Direction ?? Kind switch
    {
        MetricKind.Availability or MetricKind.RetentionDayN or MetricKind.Engagement or MetricKind.CustomMetric => DesiredDirection.Increase,
        _ => DesiredDirection.Decrease,
    };

    /// <summary>Whether the KPI is computed from request events.</summary>
    public bool IsRequestBased => Kind is MetricKind.LatencyMean or MetricKind.LatencyP50 or MetricKind.LatencyP95
        or MetricKind.LatencyP99 or MetricKind.ErrorRate or MetricKind.Availability;

    /// <summary>Whether the KPI is a latency quantile.</summary>
    public bool IsQuantile => Kind is MetricKind.LatencyP50 or MetricKind.LatencyP95 or MetricKind.LatencyP99;

    /// <summary>The quantile level of a quantile kind.</summary>
    public double QuantileProbability => Kind switch
    {
        MetricKind.LatencyP50 => 0.5,
        MetricKind.LatencyP95 => 0.95,
        MetricKind.LatencyP99 => 0.99,
        _ => double.NaN,
    };
}
