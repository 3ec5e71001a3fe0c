namespace Experiments.Ingestion.Log;

/// <summary>
/// The durable event log, bound from <c>Ingestion:Log</c>. Defaults: data in the service's data folder (<c>Data:Folder</c>),
/// 64 MiB segments, group commits of up to 64k events (8 MiB), 500k events or 64 MiB of events queued for commit at
/// most, 1 GiB of undelivered log at most and statistics at most 60 s behind, a 1 hour deduplication window capped at
/// 4 million ids (~45 bytes of memory each).
/// </summary>
public sealed class LogOptions
{
    /// <summary>
    /// Folder of the log segments, the log's identity and the forwarder's checkpoint; empty (the default) is the service's
    /// data folder, <c>Data:Folder</c>. Relative paths are resolved against the content root.
    /// </summary>
    public string DataPath { get; set; } = "";

    /// <summary>A segment is sealed and a new one started once it reaches this size.</summary>
    public long SegmentBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Most events one group commit (one write, one fsync) takes from the queue.</summary>
    public int MaxGroupEvents { get; set; } = 65_536;

    /// <summary>Most bytes one group commit writes.</summary>
    public int MaxGroupBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Events accepted by validation but not yet committed; beyond it intake answers RESOURCE_EXHAUSTED.</summary>
    public int MaxPendingEvents { get; set; } = 500_000;

    /// <summary>
    /// Bytes of events accepted by validation but not yet committed — what requests in flight hold in memory; beyond it
    /// intake answers RESOURCE_EXHAUSTED. Keep it well above the largest request message (Grpc:MaxReceiveMessageSize).
    /// </summary>
    public long MaxPendingBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Bytes of log not yet confirmed by the forwarding target; beyond it intake answers RESOURCE_EXHAUSTED.</summary>
    public long MaxBacklogBytes { get; set; } = 1L * 1024 * 1024 * 1024;

    /// <summary>
    /// Longest time a committed event may wait for delivery to statistics before intake pushes back
    /// (RESOURCE_EXHAUSTED with <see cref="LagRetryAfter"/>), so a flood slows its senders instead of leaving
    /// statistics minutes behind; zero turns the bound off. Statistics down for longer than this stops intake too:
    /// the SDKs buffer and retry meanwhile.
    /// </summary>
    public TimeSpan MaxForwardingLag { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a committed event id is remembered, so a retry is acknowledged as a duplicate.</summary>
    public TimeSpan DedupWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most ids remembered; at high rates this, not <see cref="DedupWindow"/>, bounds the window.</summary>
    public long DedupMaxEntries { get; set; } = 4_000_000;

    /// <summary>Suggested client back-off when the commit queue is full (grpc-retry-pushback-ms).</summary>
    public TimeSpan OverloadRetryAfter { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Suggested client back-off when the undelivered log is full.</summary>
    public TimeSpan LogFullRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Suggested client back-off when statistics lags more than <see cref="MaxForwardingLag"/>.</summary>
    public TimeSpan LagRetryAfter { get; set; } = TimeSpan.FromSeconds(1);
}
