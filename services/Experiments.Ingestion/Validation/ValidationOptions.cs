namespace Experiments.Ingestion.Validation;

/// <summary>
/// Limits on single events, bound from <c>Ingestion:Validation</c>. Defaults: ids up to 128 characters,
/// unit ids and names up to 256, event times from 7 days in the past to 5 minutes in the future, latencies up to one hour.
/// </summary>
public sealed class ValidationOptions
{
    public int MaxEventIdLength { get; set; } = 128;

    /// <summary>Longest user_id, session_id or request_id.</summary>
    public int MaxUnitIdLength { get; set; } = 256;

    /// <summary>Longest API, activity, metric, flag, experiment or variant name, and client id.</summary>
    public int MaxNameLength { get; set; } = 256;

    /// <summary>How old an event may be; older ones fall outside what statistics keeps.</summary>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How far ahead of this server's clock an event may be (reporters' clocks drift).</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Largest request latency accepted, in milliseconds (default 3,600,000: one hour). A larger value is a unit
    /// mistake or a broken clock, and squared in a variance it would overflow to infinity. Statistics applies the same
    /// bound (<c>Statistics:MaxLatencyMs</c>): raise both together.
    /// </summary>
    public double MaxLatencyMs { get; set; } = 3_600_000;
}
