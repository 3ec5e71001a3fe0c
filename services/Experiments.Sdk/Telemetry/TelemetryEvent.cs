using Experiments.Assignment.Evaluation;
using Experiments.Contracts.V1;

namespace Experiments.Sdk.Telemetry;

internal enum TelemetryKind : byte
{
    None = 0,
    Request = 1,
    Exposure = 2,

    /// <summary>A custom metric observation: <see cref="TelemetryEvent.ApiName"/> holds the metric name.</summary>
    Metric = 3,
}

/// <summary>
/// One event as the hot path records it: references to strings that already exist (ids, cached API names) and
/// numbers, no protobuf, no formatting. The sender turns it into an experiments.v1.Event off the request path.
/// </summary>
internal struct TelemetryEvent
{
    public TelemetryKind Kind;

    public bool Error;

    public int StatusCode;

    /// <summary>Exposure: the arm's index in <see cref="Experiment"/>.</summary>
    public int VariantIndex;

    /// <summary>
    /// When the event happened, in <see cref="System.Diagnostics.Stopwatch"/> ticks (cheaper to read than the wall
    /// clock); the sender turns it into UTC against a wall-clock reading taken when it builds the batch.
    /// </summary>
    public long Timestamp;

    /// <summary>Request: the duration in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public long ElapsedTimestamp;

    public string? UserId;

    public string? SessionId;

    public string? RequestId;

    public string? ApiName;

    public string? ClientId;

    /// <summary>Request: the dependency an outbound call went to; null for a request the app served.</summary>
    public string? Dependency;

    /// <summary>Request: what <see cref="ElapsedTimestamp"/> measures.</summary>
    public RequestMeasure Measure;

    /// <summary>Metric: the value observed.</summary>
    public double Value;

    public CompiledExperiment? Experiment;
}
