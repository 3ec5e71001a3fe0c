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
/// The outbox forwarder, bound from <c>Ingestion:Forwarding</c>. Defaults: local mode to
/// http://127.0.0.1:5103, one partition, 1,000 events per request, 50,000 events unconfirmed at most,
/// back-off from 200 ms doubling to 30 s, a checkpoint at most every second.
/// </summary>
public sealed class ForwardingOptions
{
    public ForwardingMode Mode { get; set; } = ForwardingMode.Local;

    /// <summary>The statistics service (local mode).</summary>
    public string StatisticsAddress { get; set; } = "http://127.0.0.1:5103";

    /// <summary>API key presented to statistics as <c>authorization: Bearer</c>, if it needs one.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Number of partitions events are split into by unit id; must match the receivers'.</summary>
    public int PartitionCount { get; set; } = 1;

    public int MaxEventsPerRequest { get; set; } = 1_000;

    /// <summary>Events sent but not yet confirmed; the forwarder waits for confirmations beyond it.</summary>
    public int MaxUnconfirmedEvents { get; set; } = 50_000;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the confirmed position is written to disk while it moves.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the receiver has to answer the probes that open a session.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public DaprForwardingOptions Dapr { get; } = new();
}

/// <summary>
/// Dapr mode. Defaults: the sidecar at http://127.0.0.1:$DAPR_HTTP_PORT (3500 when unset), pub/sub
/// component <c>pubsub</c>, topic <c>experiment-events</c>, token from $DAPR_API_TOKEN.
/// </summary>
public sealed class DaprForwardingOptions
{
    /// <summary>The sidecar's HTTP endpoint; null takes $DAPR_HTTP_ENDPOINT, then 127.0.0.1:$DAPR_HTTP_PORT.</summary>
    public string? HttpEndpoint { get; set; }

    public string PubSubName { get; set; } = "pubsub";

    public string Topic { get; set; } = "experiment-events";

    /// <summary>Sent as <c>dapr-api-token</c>; null takes $DAPR_API_TOKEN.</summary>
    public string? ApiToken { get; set; }

    public string ResolveEndpoint() =>
        HttpEndpoint
        ?? Environment.GetEnvironmentVariable("DAPR_HTTP_ENDPOINT")
        ?? "http://127.0.0.1:" + (Environment.GetEnvironmentVariable("DAPR_HTTP_PORT") ?? "3500");
}
