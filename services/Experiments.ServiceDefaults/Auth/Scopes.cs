namespace Experiments.ServiceDefaults.Auth;

/// <summary>The scopes an API key or JWT can carry (claim type <see cref="ClaimType"/>).</summary>
public static class Scopes
{
    public const string ClaimType = "scope";

    /// <summary>Define and change experiments.</summary>
    public const string Admin = "admin";

    /// <summary>Send telemetry.</summary>
    public const string Ingest = "ingest";

    /// <summary>Read assignments, definitions and verdicts.</summary>
    public const string Read = "read";

    /// <summary>
    /// Service to service: ingestion forwarding events into statistics (StatisticsIntake), a statistics replica
    /// reading another's aggregates (StatisticsShards.ExportAggregates). Give it only to the services' own keys, never
    /// to an SDK's: what it writes skips ingestion's per-event validation and deduplication by event id.
    /// </summary>
    public const string Internal = "internal";

    /// <summary>
    /// Read recorded client traffic (Captures: ListCaptures, GetTrafficReport) and declare intended usage. Separate
    /// from <see cref="Read"/> because captures hold whole requests and responses; recording them needs <see cref="Ingest"/>.
    /// </summary>
    public const string Capture = "capture";

    /// <summary>Every scope a key may carry.</summary>
    public static IReadOnlyList<string> All { get; } = [Admin, Ingest, Read, Internal, Capture];
}
