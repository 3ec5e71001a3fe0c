namespace Experiments.Assignment.Definitions;

/// <summary>A KPI the experiment is judged on (see kpi.proto for the meaning of each field).</summary>
public sealed record KpiDefinition
{
    public required string Key { get; init; }

    public string DisplayName { get; init; } = "";

    public MetricKind Kind { get; init; }

    public MetricRole Role { get; init; }

    public string ApiName { get; init; } = "";

    public ImprovementDirection Direction { get; init; }

    public double Tolerance { get; init; }

    public double MinimumDetectableEffect { get; init; }

    public int RetentionDay { get; init; }

    public string ActivityName { get; init; } = "";

    public string MetricName { get; init; } = "";
}

public enum MetricKind
{
    LatencyMean = 1,
    LatencyP50 = 2,
    LatencyP95 = 3,
    LatencyP99 = 4,
    ErrorRate = 5,
    Availability = 6,
    RetentionDayN = 7,
    Engagement = 8,
    CustomMetric = 9,
}

public enum MetricRole
{
    Primary = 1,
    Guardrail = 2,
    Secondary = 3,
}

/// <summary>Unspecified means the kind's natural direction.</summary>
public enum ImprovementDirection
{
    Unspecified = 0,
    Increase = 1,
    Decrease = 2,
}
