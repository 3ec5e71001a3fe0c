namespace Experiments.Ingestion.Forwarding;

/// <summary>Where committed events go.</summary>
public enum ForwardingMode
{
    /// <summary>Over StatisticsIntake.Forward to the statistics service (gRPC stream).</summary>
    Local,

    /// <summary>Through the Dapr sidecar's bulk publish API to a pub/sub topic.</summary>
    Dapr,

    /// <summary>Nowhere: events are committed and kept for deduplication only (benchmarks, log-only deployments).</summary>
    None,
}

/// <summary>
/// The outbox forwarder, bound from <c>Ingestion:Forwarding</c>. Defaults: local mode to one statistics
/// replica at http://127.0.0.1:5103 owning every partition, one partition, 1,000 events per request, 50,000
/// events unconfirmed at most per replica, back-off from 200 ms doubling to 30 s, a checkpoint at most every
/// second. Checked when the host starts (<see cref="ForwardingOptionsValidator"/>).
/// </summary>
public sealed class ForwardingOptions
{
    public ForwardingMode Mode { get; set; } = ForwardingMode.Local;

    /// <summary>The statistics service (local mode) when it is one replica owning every partition; unused when <see cref="Statistics"/> lists replicas.</summary>
    public string StatisticsAddress { get; set; } = "http://127.0.0.1:5103";

    /// <summary>
    /// Statistics replicas and the partitions each owns (local mode), as in <c>Statistics:0:Address</c>,
    /// <c>Statistics:0:Partitions:0</c>: together they must own every partition in [0, <see cref="PartitionCount"/>)
    /// exactly once, and each must be started with the same set as its <c>Statistics:OwnedPartitions</c>.
    /// Empty (the default) means <see cref="StatisticsAddress"/> owns them all.
    /// </summary>
    public List<StatisticsReplicaOptions> Statistics { get; set; } = [];

    /// <summary>API key presented to statistics as <c>authorization: Bearer</c>, if it needs one.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Number of partitions events are split into by unit id; must match the receivers'.</summary>
    public int PartitionCount { get; set; } = 1;

    public int MaxEventsPerRequest { get; set; } = 1_000;

    /// <summary>Events sent to one replica but not yet confirmed; the forwarder waits for its confirmations beyond it.</summary>
    public int MaxUnconfirmedEvents { get; set; } = 50_000;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the confirmed position is written to disk while it moves.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the receiver has to answer the probes that open a session.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public DaprForwardingOptions Dapr { get; } = new();

    /// <summary>Where local mode sends each partition: the listed replicas, or <see cref="StatisticsAddress"/> with all of them.</summary>
    internal IReadOnlyList<StatisticsReplicaOptions> StatisticsReplicas() => Statistics.Count > 0
        ? Statistics
        : [new StatisticsReplicaOptions { Address = StatisticsAddress, Partitions = [.. Enumerable.Range(0, PartitionCount)] }];
}

/// <summary>One statistics replica of local mode: its address and the partitions it owns.</summary>
public sealed class StatisticsReplicaOptions
{
    public string Address { get; set; } = "";

    public List<int> Partitions { get; set; } = [];
}

/// <summary>
/// Dapr mode. Defaults: pub/sub component <c>pubsub</c>, topic <c>experiment-events</c> (with more than one partition,
/// one topic per partition: <c>experiment-events-p{n}</c>). The sidecar's ports and token are <c>Dapr:HttpPort</c>,
/// <c>Dapr:GrpcPort</c>, <c>Dapr:ApiToken</c> (or daprd's $DAPR_HTTP_PORT, $DAPR_GRPC_PORT, $DAPR_API_TOKEN).
/// </summary>
public sealed class DaprForwardingOptions
{
    public string PubSubName { get; set; } = "pubsub";

    public string Topic { get; set; } = "experiment-events";
}
