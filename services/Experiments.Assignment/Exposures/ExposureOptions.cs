namespace Experiments.Assignment.Exposures;

/// <summary>
/// Exposure reporting, bound from <c>Exposures</c>. Defaults: enabled when <see cref="IngestionAddress"/> or
/// <see cref="DaprAppId"/> is set (an app id alone goes through this service's own sidecar, <c>Dapr:GrpcPort</c>);
/// a buffer of 100,000 events (further exposures are dropped and counted, never blocking Assign); batches of up to
/// 500 events sent at least every second; an unavailable ingestion retried by the channel (3 more attempts with back-off), then the batch dropped and counted.
/// </summary>
public sealed class ExposureOptions
{
    /// <summary>The ingestion service (or, in Dapr mode, the sidecar's gRPC endpoint), e.g. <c>http://127.0.0.1:5102</c>.</summary>
    public string? IngestionAddress { get; set; }

    /// <summary>
    /// In Dapr mode, the ingestion service's app id, sent as <c>dapr-app-id</c> so the sidecar routes the call; without
    /// <see cref="IngestionAddress"/>, calls go to this service's own sidecar.
    /// </summary>
    public string? DaprAppId { get; set; }

    /// <summary>API key with the ingest scope, sent as <c>authorization: Bearer</c>.</summary>
    public string? ApiKey { get; set; }

    public int BufferCapacity { get; set; } = 100_000;

    public int MaxBatchSize { get; set; } = 500;

    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Identifies this process in EventBatch.source.</summary>
    public string Source { get; set; } = "assignment/" + Environment.MachineName + "/" + Environment.ProcessId;
}
