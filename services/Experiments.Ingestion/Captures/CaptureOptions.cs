namespace Experiments.Ingestion.Captures;

/// <summary>
/// The capture store and the Captures service, bound from <c>Ingestion:Captures</c>. Defaults: <c>captures.db</c> in the
/// ingestion data folder (the event log's folder), captures kept 7 days and 1 GiB at most (oldest dropped first, on every
/// write and every 5 minutes), 256 KiB per exchange, 4 MiB and 1,000 exchanges per RecordCaptures request, 512
/// characters per identifier, ListCaptures pages of 3 MiB at most, and the traffic report reads the newest 100,000
/// matching exchanges at most.
/// </summary>
/// <remarks>
/// Both deployment modes keep captures in this SQLite file under each replica's data folder: captures are not events and
/// are never forwarded. With several ingestion replicas each holds the captures it received, so point the SDKs that
/// record (Experiments:Capture) at one replica, or run one, to read them all in one place.
/// </remarks>
public sealed class CaptureOptions
{
    /// <summary>
    /// The SQLite file; empty (the default) is <c>captures.db</c> in the event log's folder. Relative paths are resolved
    /// against the content root. One process at a time may use a file (the store keeps its byte total in memory).
    /// </summary>
    public string Path { get; set; } = "";

    /// <summary>Captures whose call started longer ago than this are dropped.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Most bytes of stored exchanges (their serialized size); past it the oldest are dropped.</summary>
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>How often retention runs besides after every write (it also catches captures that aged out while idle).</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most bytes of one serialized exchange; a larger one is rejected (the SDK caps exchanges below this).</summary>
    public int MaxExchangeBytes { get; set; } = 256 * 1024;

    /// <summary>Most bytes of one RecordCaptures request; a larger one is refused whole with RESOURCE_EXHAUSTED.</summary>
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most exchanges in one RecordCaptures request; more is refused whole with RESOURCE_EXHAUSTED.</summary>
    public int MaxExchangesPerRequest { get; set; } = 1000;

    /// <summary>Longest capture id, service name, client id, unit id, API name or policy name, in characters.</summary>
    public int MaxIdLength { get; set; } = 512;

    /// <summary>
    /// Most bytes of exchanges in one ListCaptures page (under gRPC's default 4 MiB a client accepts); a page holds fewer
    /// than page_size exchanges when they would not fit, and always at least one.
    /// </summary>
    public int MaxPageBytes { get; set; } = 3 * 1024 * 1024;

    /// <summary>
    /// Most exchanges one traffic report reads: the newest that match its filter. The report's start_time is that of the
    /// oldest exchange it read, so a report that hit this bound says so by a later start than the filter's.
    /// </summary>
    public int MaxReportExchanges { get; set; } = 100_000;
}
