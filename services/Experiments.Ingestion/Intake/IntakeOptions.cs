namespace Experiments.Ingestion.Intake;

/// <summary>
/// Limits of whole requests, bound from <c>Ingestion:Intake</c>. Defaults: 10,000 events per batch,
/// 100 rejections listed per response, 8 batches of one stream being committed at once, 16 batches in flight in the
/// whole process (a unary call finding none free is told to retry in 500 ms).
/// </summary>
public sealed class IntakeOptions
{
    /// <summary>Most events in one batch; a larger batch gets RESOURCE_EXHAUSTED.</summary>
    public int MaxBatchEvents { get; set; } = 10_000;

    /// <summary>Most rejections listed in one response (the counts are always complete).</summary>
    public int MaxRejectionsPerResponse { get; set; } = 100;

    /// <summary>Batches of one streaming call validated and committing at once; the next waits (HTTP/2 flow control pushes back).</summary>
    public int MaxBatchesInFlightPerCall { get; set; } = 8;

    /// <summary>
    /// Batches read but not yet committed, over all calls of the process: with the message size limit
    /// (Grpc:MaxReceiveMessageSize, 4 MiB) this bounds the memory requests in flight hold.
    /// </summary>
    public int MaxBatchesInFlight { get; set; } = 16;

    /// <summary>Back-off advised (grpc-retry-pushback-ms) to a unary call refused for want of a slot.</summary>
    public TimeSpan GateRetryAfter { get; set; } = TimeSpan.FromMilliseconds(500);
}
