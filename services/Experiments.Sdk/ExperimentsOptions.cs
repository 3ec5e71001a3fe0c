using Experiments.Sdk.Capture;
using Experiments.Sdk.Replay;

namespace Experiments.Sdk;

/// <summary>
/// Options of the Experiments SDK, bound from the <c>Experiments</c> configuration section and then from the
/// delegate given to <c>AddExperiments</c>. Defaults: no assignment or ingestion address (every flag serves its
/// fallback variant and no telemetry is sent), unit id from the <c>x-user-id</c> header, no session or client id,
/// no groups or attributes, a buffer of 10,000 events, batches of up to 500 events sent at least every 500 ms,
/// retries with exponential back-off from 100 ms up to 10 s, reconnects of the definitions stream with back-off
/// from 250 ms up to 30 s; no capture and no replay (see <see cref="CaptureOptions"/> and <see cref="ReplayOptions"/>).
/// </summary>
public sealed class ExperimentsOptions
{
    /// <summary>The assignment service, e.g. <c>http://127.0.0.1:5101</c>; definitions are watched from it. Null: none.</summary>
    public string? AssignmentAddress { get; set; }

    /// <summary>The ingestion service, e.g. <c>http://127.0.0.1:5102</c>; telemetry is sent to it. Null: none is recorded.</summary>
    public string? IngestionAddress { get; set; }

    /// <summary>API key sent as <c>authorization: Bearer</c> to both services (read scope for definitions, ingest scope for telemetry).</summary>
    public string? ApiKey { get; set; }

    /// <summary>API key for the assignment service, when it differs from <see cref="ApiKey"/>.</summary>
    public string? AssignmentApiKey { get; set; }

    /// <summary>API key for the ingestion service, when it differs from <see cref="ApiKey"/>.</summary>
    public string? IngestionApiKey { get; set; }

    /// <summary>Watch only these flags; empty watches every flag.</summary>
    public IList<string> FlagKeys { get; } = [];

    /// <summary>Where the user id (the unit of USER experiments, and the id events are reported under) comes from.</summary>
    public UnitIdSource UserId { get; set; } = UnitIdSource.FromHeader("x-user-id");

    /// <summary>Where the session id (the unit of SESSION experiments) comes from; null: requests carry none.</summary>
    public UnitIdSource? SessionId { get; set; }

    /// <summary>Where the calling client's id (reported with each request, to attribute tails and errors) comes from; null: none.</summary>
    public UnitIdSource? ClientId { get; set; }

    /// <summary>
    /// Where the unit's groups come from, for experiments whose targeting lists groups or excluded groups (the
    /// groups of the Assign RPC's EvaluationContext); null: requests carry none.
    /// </summary>
    public UnitGroupsSource? Groups { get; set; }

    /// <summary>
    /// Where each targeting attribute comes from, by attribute name (the attributes of the Assign RPC's
    /// EvaluationContext), e.g. <c>Attributes["region"] = UnitIdSource.FromHeader("x-region")</c>, or in
    /// configuration <c>Experiments:Attributes:region = header:x-region</c>. An empty value counts as absent.
    /// </summary>
    public IDictionary<string, UnitIdSource> Attributes { get; } = new Dictionary<string, UnitIdSource>(StringComparer.Ordinal);

    /// <summary>
    /// Longest unit or client id used, in characters (default 256, ingestion's limit). A longer one — or an empty one, or
    /// one that is not valid UTF-8 text — is dropped and counted (<c>experiments.sdk.ids.dropped</c>), never failing the
    /// request: without a unit id the request is served the fallback variant and not recorded; without a client id it is
    /// recorded without one.
    /// </summary>
    public int MaxIdLength { get; set; } = 256;

    /// <summary>
    /// The clock a message's staleness is measured against (see <c>WithStaleness</c>): the wall clock its source stamps
    /// messages with. Default <see cref="TimeProvider.System"/> — not the app's registered TimeProvider, which dates events
    /// and may be shifted.
    /// </summary>
    public TimeProvider StalenessClock { get; set; } = TimeProvider.System;

    /// <summary>Events held for sending at most; further events are dropped and counted (never waited for).</summary>
    public int BufferCapacity { get; set; } = 10_000;

    /// <summary>Events per batch at most.</summary>
    public int MaxBatchSize { get; set; } = 500;

    /// <summary>Longest time an event waits before its batch is sent.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>First wait before resending a failed batch; doubles per failure up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between resends of a failed batch (a server's retry pushback may ask for longer).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a batch may wait for its acknowledgement before the stream is abandoned and the batch resent.</summary>
    public TimeSpan AcknowledgementTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First wait before reconnecting the definitions stream; doubles per failure up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait between reconnects of the definitions stream.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Entries of the table that remembers which unit was exposed to which variant (rounded up to a power of two; 8 bytes each).</summary>
    public int ExposureMemory { get; set; } = 1 << 18;

    /// <summary>Identifies this process in EventBatch.source.</summary>
    public string Source { get; set; } = AppDomain.CurrentDomain.FriendlyName + "/" + Environment.MachineName + "/" + Environment.ProcessId;

    /// <summary>The backend's name, stamped on each captured exchange; null: the host's application name.</summary>
    public string? ServiceName { get; set; }

    /// <summary>Recording of inbound calls (<c>Experiments:Capture</c>); off by default.</summary>
    public CaptureOptions Capture { get; set; } = new();

    /// <summary>Variants forced by signed replay requests (<c>Experiments:Replay</c>); off by default.</summary>
    public ReplayOptions Replay { get; set; } = new();

    internal string? AssignmentKey => AssignmentApiKey ?? ApiKey;

    internal string? IngestionKey => IngestionApiKey ?? ApiKey;
}
