using Microsoft.Extensions.Logging;

namespace Experiments.Ingestion.Captures;

/// <summary>The capture store's log messages (event ids 4xxx, beside the service's 1xxx–3xxx).</summary>
internal static partial class CaptureLogMessages
{
    [LoggerMessage(4000, LogLevel.Information, "Capture store opened at {Path}: {Count} exchange(s), {Bytes} bytes")]
    public static partial void Opened(ILogger logger, string path, long count, long bytes);

    [LoggerMessage(4001, LogLevel.Information, "Dropped {Count} capture(s) ({Bytes} bytes) older than the retention age")]
    public static partial void Expired(ILogger logger, int count, long bytes);

    [LoggerMessage(4002, LogLevel.Information, "Dropped the {Count} oldest capture(s) ({Bytes} bytes) to stay within {MaxBytes} bytes")]
    public static partial void Evicted(ILogger logger, int count, long bytes, long maxBytes);

    [LoggerMessage(4003, LogLevel.Debug, "RecordCaptures: {Accepted} stored, {Duplicates} duplicate, {Rejected} rejected")]
    public static partial void Recorded(ILogger logger, int accepted, int duplicates, int rejected);

    [LoggerMessage(4004, LogLevel.Warning, "Capture retention failed; it runs again in {Interval}")]
    public static partial void RetentionFailed(ILogger logger, TimeSpan interval, Exception exception);
}
