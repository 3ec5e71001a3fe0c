using Experiments.Sdk.Definitions;
using Experiments.Sdk.Telemetry;

namespace Experiments.Sdk;

/// <summary>What the SDK is doing right now: for health checks, dashboards and tests.</summary>
public sealed class ExperimentsStatus
{
    private readonly DefinitionsStore _definitions;
    private readonly ExperimentsMetrics _metrics;
    private readonly TelemetrySenderHost _sender;

    internal ExperimentsStatus(DefinitionsStore definitions, ExperimentsMetrics metrics, TelemetrySenderHost sender)
    {
        _definitions = definitions;
        _metrics = metrics;
        _sender = sender;
    }

    /// <summary>True once a snapshot of the definitions has arrived.</summary>
    public bool HasDefinitions => _definitions.HasSnapshot;

    /// <summary>The version of the definitions being evaluated (0 before the first snapshot).</summary>
    public long DefinitionsVersion => _definitions.Version;

    /// <summary>Events acknowledged by ingestion.</summary>
    public long EventsSent => _metrics.Sent;

    /// <summary>Events dropped for any reason (buffer full, rejected, not retryable, unsent at shutdown).</summary>
    public long EventsDropped => _metrics.Dropped;

    /// <summary>Events waiting in the buffer.</summary>
    public int EventsBuffered => _metrics.Buffer.Count;

    /// <summary>Exposures recorded by this process.</summary>
    public long Exposures => _metrics.Exposures;

    /// <summary>Batches resent after a failure.</summary>
    public long BatchRetries => _sender.Sender.Retries;

    /// <summary>Completes once definitions of at least <paramref name="version"/> (any, for 0) are evaluated.</summary>
    public Task WaitForDefinitionsAsync(long version = 0, CancellationToken cancellationToken = default) =>
        _definitions.WaitForVersionAsync(version, cancellationToken);
}
