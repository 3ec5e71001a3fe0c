using Experiments.ServiceDefaults.Logging;
using Microsoft.Extensions.Logging;

namespace Experiments.Ingestion;

/// <summary>The service's log messages, with stable event ids (1xxx log, 2xxx intake, 3xxx forwarding).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(1000, LogLevel.Information, "Event log {LogId} opened at {Path}: {Segments} segment(s), last position {LastPosition}, {Remembered} event id(s) remembered for deduplication")]
    public static partial void Opened(ILogger logger, string logId, string path, int segments, long lastPosition, int remembered);

    [LoggerMessage(1001, LogLevel.Warning, "Cut a torn record off the end of {Path}: kept {Length} bytes, dropped {Dropped} (never acknowledged)")]
    public static partial void TornTailTruncated(ILogger logger, string path, long length, long dropped);

    [LoggerMessage(1002, LogLevel.Error, "Group commit to {Path} failed; its appends were refused")]
    public static partial void CommitFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(1003, LogLevel.Critical, "Could not undo a failed commit in {Path}: the event log refuses appends until restarted")]
    public static partial void LogFaulted(ILogger logger, string path, Exception exception);

    [LoggerMessage(1004, LogLevel.Debug, "Deleted delivered segment {Path} (last position {LastPosition})")]
    public static partial void SegmentDeleted(ILogger logger, string path, long lastPosition);

    [LoggerMessage(1005, LogLevel.Warning, "Could not delete segment {Path}")]
    public static partial void SegmentDeleteFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(2000, LogLevel.Debug, "Batch {Sequence} from {Client}: {Accepted} accepted, {Duplicates} duplicate, {Rejected} rejected")]
    public static partial void BatchIngested(ILogger logger, long sequence, string client, int accepted, int duplicates, int rejected);

    [LoggerMessage(2001, LogLevel.Warning, "Refused a batch of {Count} event(s) from {Client}: {Reason}")]
    public static partial void BatchRefused(ILogger logger, int count, string client, string reason);

    [LoggerMessage(3000, LogLevel.Information, "Forwarding to {Target} from position {Position} (log {LogId})")]
    public static partial void ForwardingStarted(ILogger logger, string target, long position, string logId);

    [LoggerMessage(3001, LogLevel.Warning, "Forwarding to {Target} failed; retrying in {Delay}")]
    public static partial void ForwardingFailed(ILogger logger, string target, HumanDuration delay, Exception exception);

    [LoggerMessage(3006, LogLevel.Warning, "{Target} is unavailable ({Detail}); retrying in {Delay}")]
    public static partial void TargetUnavailable(ILogger logger, string target, string detail, HumanDuration delay);

    [LoggerMessage(3008, LogLevel.Critical, "{Target} refused forwarded events as invalid ({Detail}); the two services disagree on what is valid, so these partitions wait: retrying in {Delay}")]
    public static partial void ForwardedBatchRefused(ILogger logger, string target, string detail, HumanDuration delay);

    [LoggerMessage(3002, LogLevel.Debug, "Forwarding to {Target}: confirmed up to position {Position}")]
    public static partial void ForwardingConfirmed(ILogger logger, string target, long position);

    [LoggerMessage(3003, LogLevel.Information, "Forwarding disabled: events are committed and kept for deduplication only")]
    public static partial void ForwardingDisabled(ILogger logger);

    [LoggerMessage(3004, LogLevel.Warning, "Bulk publish to {Target}: {Failed} of {Total} entries failed ({Error}); retrying them in {Delay}")]
    public static partial void PublishPartiallyFailed(ILogger logger, string target, int failed, int total, string error, HumanDuration delay);

    [LoggerMessage(3007, LogLevel.Warning, "Could not write the forwarder's checkpoint {Path}; retrying")]
    public static partial void CheckpointFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(3005, LogLevel.Critical, "The event log is corrupt at position {Position}; forwarding stops until an operator repairs it")]
    public static partial void LogCorrupted(ILogger logger, long position, Exception exception);
}
