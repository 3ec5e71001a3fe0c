namespace Experiments.Ingestion.Intake;

/// <summary>
/// Limits of whole requests, bound from <c>Ingestion:Intake</c>. Defaults: 10,000 events per batch,
/// 100 rejections listed per response, 8 batches of one stream being committed at once.
/// </summary>
public sealed class IntakeOptions
{
    /// <summary>Most events in one batch; a larger batch gets RESOURCE_EXHAUSTED.</summary>
    public int MaxBatchEvents { get; set; } = 10_000;

    /// <summary>Most rejections listed in one response (the counts are always complete).</summary>
    public int MaxRejectionsPerResponse { get; set; } = 100;

    /// <summary>Batches of one streaming call validated and committing at once; the next waits (HTTP/2 flow control pushes back).</summary>
    public int MaxBatchesInFlightPerCall { get; set; } = 8;
}
