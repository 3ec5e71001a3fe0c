namespace Experiments.Statistics;

/// <summary>
/// Settings of the statistics service (section <c>Statistics</c>; the data folder is <c>Data:Folder</c>).
/// Defaults: 1 partition (as the ingestion forwarder's default), all owned; checkpoint every 500 ms; verdicts recomputed at most every 250 ms.
/// </summary>
public sealed class StatisticsOptions
{
    /// <summary>Partitions the ingestion logs are split into; ForwardRequest.partition_count must match.</summary>
    public int PartitionCount { get; set; } = 1;

    /// <summary>Partitions this replica owns; empty means all (a single replica).</summary>
    public List<int> OwnedPartitions { get; set; } = [];

    /// <summary>How often applied events are made durable and confirmed.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long exposures of an experiment whose definition has not reached statistics yet wait for it (the batch waits,
    /// or a Dapr delivery is answered RETRY) before they are applied without it, unattributed. Assignment reports an
    /// experiment's first exposures within a second of its start, and the definitions watch can be later than that.
    /// Default 10 s.
    /// </summary>
    public TimeSpan DefinitionWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Minimum time between two recomputations of an experiment's verdict.</summary>
    public TimeSpan VerdictInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Verdicts kept per experiment for GetVerdictHistory.</summary>
    public int HistoryLimit { get; set; } = 10_000;

    /// <summary>Address of the assignment service (definitions, auto-rollback); empty disables the watch.</summary>
    public string AssignmentAddress { get; set; } = "";

    /// <summary>API key sent to the assignment service: <c>read</c> for the definitions, <c>admin</c> too for automatic rollback.</summary>
    public string AssignmentApiKey { get; set; } = "";

    /// <summary>
    /// Addresses of every statistics replica (this one included, if it is a shard) whose aggregates
    /// StatisticsShards.GetMergedVerdict merges; empty means this replica merges nothing.
    /// </summary>
    public List<string> ShardAddresses { get; set; } = [];

    /// <summary>API key sent to the shards: it needs the <c>internal</c> scope (ExportAggregates) and <c>read</c> (WatchVerdicts).</summary>
    public string ShardApiKey { get; set; } = "";

    /// <summary>
    /// Largest request latency applied, in milliseconds (default 3,600,000: one hour, as ingestion's
    /// <c>Ingestion:Validation:MaxLatencyMs</c>); a forwarded batch holding a larger one is refused.
    /// </summary>
    public double MaxLatencyMs { get; set; } = 3_600_000;

    /// <summary>Capacity of each generation of the event-id window.</summary>
    public int EventIdWindow { get; set; } = 1_000_000;

    /// <summary>Limits of AnalyzeReplay (section <c>Statistics:Replay</c>).</summary>
    public Replay.ReplayOptions Replay { get; set; } = new();

    /// <summary>Whether this replica owns <paramref name="partition"/>.</summary>
    public bool Owns(int partition) => OwnedPartitions.Count == 0 || OwnedPartitions.Contains(partition);
}
