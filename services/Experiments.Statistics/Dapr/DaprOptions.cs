namespace Experiments.Statistics.Dapr;

/// <summary>
/// Dapr mode, section <c>Dapr</c>: on when <see cref="HttpPort"/> is set, explicitly or (as daprd does for the app it
/// starts) through $DAPR_HTTP_PORT; the sidecar is then http://127.0.0.1:{port}. Defaults: pub/sub component <c>pubsub</c>,
/// topic <c>experiment-events</c>, state store <c>statestore</c>, token from $DAPR_API_TOKEN, 10 s for a delivery's
/// checkpoint to commit before it is answered RETRY, up to 100,000 events held for at most 30 s while their unit's
/// exposure is on its way (<see cref="MaxPendingEvents"/>, <see cref="PendingWindow"/>).
/// </summary>
public sealed class DaprOptions
{
    /// <summary>The sidecar's HTTP port (daprd --dapr-http-port); unset takes $DAPR_HTTP_PORT; neither means local mode.</summary>
    public int? HttpPort { get; set; }

    public string PubSubName { get; set; } = "pubsub";

    public string Topic { get; set; } = "experiment-events";

    /// <summary>State store component holding the checkpoints.</summary>
    public string StateStoreName { get; set; } = "statestore";

    /// <summary>Sent to the sidecar as <c>dapr-api-token</c>; null takes $DAPR_API_TOKEN.</summary>
    public string? ApiToken { get; set; }

    /// <summary>Expected from the sidecar on deliveries as <c>dapr-api-token</c>; null takes $APP_API_TOKEN; empty accepts any.</summary>
    public string? AppApiToken { get; set; }

    /// <summary>How long a delivery waits for the checkpoint that makes it durable.</summary>
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Most events held, in memory, because their unit's exposure has not arrived yet (pub/sub does not keep a unit's
    /// events in order); the oldest are evicted (and counted) first. Default 100,000; 0 holds none. See <see cref="PendingEvents"/>.
    /// </summary>
    public int MaxPendingEvents { get; set; } = 100_000;

    /// <summary>
    /// How long after its arrival an event waits for its unit's exposure before it is evicted (and counted). Default
    /// 30 s. Held events are not durable: a restart loses them, as they were all lost before they were held.
    /// </summary>
    public TimeSpan PendingWindow { get; set; } = TimeSpan.FromSeconds(30);

    public bool Enabled => HttpPort is > 0;

    public Uri SidecarAddress => new($"http://127.0.0.1:{HttpPort}/");

    public string? ResolveToken() => ApiToken ?? Environment.GetEnvironmentVariable("DAPR_API_TOKEN");

    public string? ResolveAppToken() => AppApiToken ?? Environment.GetEnvironmentVariable("APP_API_TOKEN");
}
