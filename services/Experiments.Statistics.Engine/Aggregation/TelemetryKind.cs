namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>The kind of a <see cref="TelemetryEvent"/>.</summary>
public enum TelemetryKind : byte
{
    /// <summary>A unit was served a variant of an experiment.</summary>
    Exposure = 1,

    /// <summary>A request served under experiment.</summary>
    Request,

    /// <summary>Activity (retention, engagement).</summary>
    Activity,

    /// <summary>A custom metric observation.</summary>
    CustomMetric,
}
