namespace Experiments.Statistics.Dapr;

/// <summary>
/// Dapr mode, section <c>Dapr</c>: on when <see cref="HttpPort"/> is set, explicitly or (as daprd does for the app it
/// starts) through $DAPR_HTTP_PORT; the sidecar's ports and token are <see cref="Experiments.ServiceDefaults.Dapr.DaprSidecarOptions"/>
/// (same section). Defaults: pub/sub component <c>pubsub</c>, topic <c>experiment-events</c> (with more than one
/// partition, <c>experiment-events-p{n}</c> per partition, of which this replica subscribes to those it owns:
/// <c>Statistics:OwnedPartitions</c>), state store <c>statestore</c>, 10 s for a delivery's checkpoint to commit
/// before it is answered RETRY, deliveries in bulk (up to 100 messages per callback, gathered by the sidecar for at
/// most 50 ms), assignment reached directly at <c>Statistics:AssignmentAddress</c> unless <see cref="AssignmentAppId"/>
/// names it for the sidecar.
/// </summary>
public sealed class DaprOptions
{
    /// <summary>The sidecar's HTTP port (daprd --dapr-http-port); unset takes $DAPR_HTTP_PORT; neither means local mode.</summary>
    public int? HttpPort { get; set; }

    public string PubSubName { get; set; } = "pubsub";

    /// <summary>The topic (one partition) or the stem of the partitions' topics.</summary>
    public string Topic { get; set; } = "experiment-events";

    /// <summary>State store component holding the checkpoints.</summary>
    public string StateStoreName { get; set; } = "statestore";

    /// <summary>
    /// Key of this replica's checkpoint in the state store (<c>statistics-checkpoint-{name}</c>); empty takes the owned
    /// partitions (<c>p0-p3</c>), or <c>statistics</c> for a replica owning them all, so replicas never share a key.
    /// </summary>
    public string CheckpointName { get; set; } = "";

    /// <summary>Expected from the sidecar on deliveries as <c>dapr-api-token</c>; null takes $APP_API_TOKEN; empty accepts any.</summary>
    public string? AppApiToken { get; set; }

    /// <summary>How long a delivery waits for the checkpoint that makes it durable.</summary>
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether the subscriptions ask for bulk delivery (Dapr's <c>bulkSubscribe</c>): one callback applies many messages
    /// and waits for one checkpoint, where one message per callback waits for a checkpoint each. Off: one by one.
    /// </summary>
    public bool BulkSubscribe { get; set; } = true;

    /// <summary>Most messages in one bulk delivery (<c>maxMessagesCount</c>).</summary>
    public int BulkMaxMessages { get; set; } = 100;

    /// <summary>Longest the sidecar gathers messages before it delivers a bulk that is not full (<c>maxAwaitDurationMs</c>).</summary>
    public TimeSpan BulkMaxAwait { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The assignment service's Dapr app id: when set, definitions and rollbacks go through the sidecar (gRPC proxying).</summary>
    public string? AssignmentAppId { get; set; }

    public bool Enabled => HttpPort is > 0;

    public string? ResolveAppToken() => AppApiToken ?? Environment.GetEnvironmentVariable("APP_API_TOKEN");
}
