namespace Experiments.Ingestion.Backpressure;

/// <summary>A client is over its configured event rate; it may send again after <see cref="RetryAfter"/>.</summary>
public sealed class RateLimitedException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>A batch holds more events than a batch may (<see cref="Intake.IntakeOptions.MaxBatchEvents"/>).</summary>
public sealed class BatchTooLargeException(string message) : Exception(message);
