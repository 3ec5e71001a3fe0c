namespace Experiments.ServiceDefaults.Dapr;

/// <summary>
/// Whether this service runs beside a Dapr sidecar (decided by the service's own configuration) and whether that
/// sidecar answers yet. Until it does, health reports NOT_SERVING, RPCs are answered UNAVAILABLE with
/// <see cref="Waiting"/>, and the Dapr-backed stores wait in <see cref="WaitAsync"/> instead of failing.
/// </summary>
public sealed class DaprSidecarReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lazy<bool> _required;

    /// <param name="required">Whether the service is in Dapr mode; asked once, when first needed.</param>
    /// <param name="options">Where the sidecar is.</param>
    /// <param name="appId">The app id the start-up hint names.</param>
    public DaprSidecarReadiness(Func<bool> required, DaprSidecarOptions options, string appId)
    {
        ArgumentNullException.ThrowIfNull(options);
        _required = new Lazy<bool>(required);
        Waiting = $"waiting for the Dapr sidecar: nothing answers GET {options.HttpEndpoint}/v1.0/healthz/outbound; start daprd beside this service " +
            $"(dapr run --app-id {appId} --dapr-http-port {options.ResolvedHttpPort} --dapr-grpc-port {options.ResolvedGrpcPort} --resources-path dapr/components)";
        NotAnswering = $"the Dapr sidecar at {options.HttpEndpoint} does not answer yet";
    }

    /// <summary>
    /// A short reason for health checks, which the host logs at every probe: the full hint is said once, by the waiter,
    /// and in each RPC refused.
    /// </summary>
    public string NotAnswering { get; }

    /// <summary>True in Dapr mode.</summary>
    public bool Required => _required.Value;

    /// <summary>True once the sidecar answered, or at once outside Dapr mode.</summary>
    public bool IsReady => !Required || _ready.Task.IsCompleted;

    /// <summary>The one-line explanation given while the sidecar does not answer.</summary>
    public string Waiting { get; }

    /// <summary>Completes once the sidecar answers (at once outside Dapr mode).</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => Required ? _ready.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    internal void MarkReady() => _ready.TrySetResult();
}
