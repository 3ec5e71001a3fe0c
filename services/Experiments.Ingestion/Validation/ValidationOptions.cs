namespace Experiments.Ingestion.Validation;

/// <summary>
/// Limits on single events, bound from <c>Ingestion:Validation</c>. Defaults: ids up to 128 characters,
/// unit ids and names up to 256, event times from 7 days in the past to 5 minutes in the future.
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
}
