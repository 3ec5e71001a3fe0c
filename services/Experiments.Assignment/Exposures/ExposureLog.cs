using Microsoft.Extensions.Logging;

namespace Experiments.Assignment.Exposures;

internal static partial class ExposureLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Exposure reporting is off: neither Exposures:IngestionAddress nor Exposures:DaprAppId is set")]
    public static partial void Disabled(ILogger logger);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Dropped {Count} exposures: {Reason}")]
    public static partial void Dropped(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Ingestion rejected {Count} exposures, e.g. {Message}")]
    public static partial void Rejected(ILogger logger, long count, string message);
}
