namespace Experiments.Ingestion.Log;

/// <summary>The log cannot commit now (an I/O failure, or shutting down); nothing of the append was acknowledged.</summary>
public sealed class LogUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>More events wait for a commit than the log queues; retry after <see cref="RetryAfter"/>.</summary>
public sealed class LogOverloadedException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The undelivered part of the log has reached its limit; retry after <see cref="RetryAfter"/>.</summary>
public sealed class LogFullException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>A committed record fails its checksum: the disk lost or altered data.</summary>
public sealed class LogCorruptedException(string message) : Exception(message);
