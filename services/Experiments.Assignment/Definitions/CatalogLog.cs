using Microsoft.Extensions.Logging;

namespace Experiments.Assignment.Definitions;

internal static partial class CatalogLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Experiment {ExperimentId} revision {Revision}: {Operation} by {Actor} (store version {Version})")]
    public static partial void Committed(ILogger logger, string experimentId, long revision, AuditOperation operation, string actor, long version);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Loaded {Count} experiments at store version {Version}")]
    public static partial void Loaded(ILogger logger, int count, long version);
}
