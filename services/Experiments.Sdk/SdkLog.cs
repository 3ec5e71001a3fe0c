using Experiments.Sdk.Replay;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Experiments.Sdk;

internal static partial class SdkLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Experiments:AssignmentAddress is not set: every flag serves its fallback variant")]
    public static partial void NoAssignmentAddress(ILogger logger);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Definitions snapshot at version {Version}: {Count} experiments")]
    public static partial void SnapshotApplied(ILogger logger, long version, int count);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Definitions stream ended at version {Version}; reconnecting")]
    public static partial void DefinitionsStreamEnded(ILogger logger, long version);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Definitions stream failed ({Reason}); serving the last definitions, reconnecting in about {DelayMs} ms")]
    public static partial void DefinitionsStreamFailed(ILogger logger, string reason, double delayMs);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Error, Message = "Experiment {ExperimentId} (flag {FlagKey}) cannot be evaluated and is not served: {Reason}")]
    public static partial void DefinitionSkipped(ILogger logger, string experimentId, string flagKey, string reason);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "Experiments:IngestionAddress is not set: no telemetry is recorded")]
    public static partial void NoIngestionAddress(ILogger logger);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Warning, Message = "Sending {Count} events failed ({Status}); retrying in {DelayMs} ms")]
    public static partial void BatchRetrying(ILogger logger, int count, StatusCode status, double delayMs);

    [LoggerMessage(EventId = 6013, Level = LogLevel.Error, Message = "Dropped {Count} events: {Status} {Detail}")]
    public static partial void BatchDropped(ILogger logger, int count, StatusCode status, string detail);

    [LoggerMessage(EventId = 6014, Level = LogLevel.Warning, Message = "Ingestion rejected {Count} events, e.g. {Message}")]
    public static partial void EventsRejected(ILogger logger, long count, string message);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Warning, Message = "Experiments:Capture:Enabled is set but Experiments:IngestionAddress is not: nothing is captured")]
    public static partial void CaptureWithoutIngestion(ILogger logger);

    [LoggerMessage(EventId = 6022, Level = LogLevel.Warning, Message = "An exchange of {ApiName} could not be captured and was dropped; the call is unaffected")]
    public static partial void CaptureFailed(ILogger logger, string apiName, Exception exception);

    [LoggerMessage(EventId = 6023, Level = LogLevel.Warning, Message = "Sending {Count} captured exchanges failed ({Status}); retrying in {DelayMs} ms")]
    public static partial void CapturesRetrying(ILogger logger, int count, StatusCode status, double delayMs);

    [LoggerMessage(EventId = 6024, Level = LogLevel.Error, Message = "Dropped {Count} captured exchanges: {Status} {Detail}")]
    public static partial void CapturesDropped(ILogger logger, int count, StatusCode status, string detail);

    [LoggerMessage(EventId = 6025, Level = LogLevel.Warning, Message = "Ingestion rejected {Count} captured exchanges, e.g. {Field}: {Message}")]
    public static partial void CapturesRejected(ILogger logger, int count, string field, string message);

    [LoggerMessage(EventId = 6031, Level = LogLevel.Warning, Message = "Ignored a replay variant header ({Reason}; replay enabled: {Enabled}); such requests are counted in experiments.sdk.replay.refused and logged at most once a minute")]
    public static partial void ReplayRefused(ILogger logger, ReplayRefusal reason, bool enabled);
}
