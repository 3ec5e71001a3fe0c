namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>One telemetry event as the engine consumes it (the service maps the protobuf Event to it).</summary>
public readonly struct TelemetryEvent
{
    /// <summary>The reporter's unique id; duplicates are dropped.</summary>
    public required string EventId { get; init; }

    /// <summary>When it happened, Unix milliseconds.</summary>
    public required long TimeUnixMs { get; init; }

    /// <summary>Which of the fields below apply.</summary>
    public required TelemetryKind Kind { get; init; }

    /// <summary>Unit ids; each is matched against experiments randomized on that unit.</summary>
    public string? UserId { get; init; }

    /// <summary>Session id.</summary>
    public string? SessionId { get; init; }

    /// <summary>Request id.</summary>
    public string? RequestId { get; init; }

    /// <summary>Exposure: the experiment.</summary>
    public string? ExperimentId { get; init; }

    /// <summary>Exposure: the variant served.</summary>
    public string? VariantKey { get; init; }

    /// <summary>Request: the API.</summary>
    public string? ApiName { get; init; }

    /// <summary>
    /// Request: counts only towards KPIs that name its API — an outbound call to a dependency, a stream's
    /// first-message or staleness measure — and not towards those with no API, which count the calls the backend served.
    /// </summary>
    public bool NamedApiOnly { get; init; }

    /// <summary>Request: server-side latency in milliseconds.</summary>
    public double LatencyMs { get; init; }

    /// <summary>Request: failed from the consumer's point of view.</summary>
    public bool Error { get; init; }

    /// <summary>Request: the consumer that called.</summary>
    public string? ClientId { get; init; }

    /// <summary>Activity name or custom metric name.</summary>
    public string? Name { get; init; }

    /// <summary>Custom metric value.</summary>
    public double Value { get; init; }

    /// <summary>The unit id of <paramref name="unit"/>, or null.</summary>
    public string? UnitId(RandomizationUnitKind unit) => unit switch
    {
        RandomizationUnitKind.User => UserId,
        RandomizationUnitKind.Session => SessionId,
        _ => RequestId,
    };
}
