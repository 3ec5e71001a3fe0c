namespace Experiments.Statistics.Dashboard;

/// <summary>The dashboard's log messages (event ids 52xx).</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(EventId = 5203, Level = LogLevel.Error, Message = "Dashboard cannot show the {What} of experiment {ExperimentId}; the other experiments are shown")]
    public static partial void CannotShow(ILogger logger, string what, string experimentId, Exception exception);

    [LoggerMessage(EventId = 5204, Level = LogLevel.Error, Message = "Dashboard request {Path} failed")]
    public static partial void RequestFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 5206, Level = LogLevel.Warning, Message = "Dashboard cannot read the traffic report from the ingestion service at {Address}: {Status} {Detail}")]
    public static partial void TrafficUnavailable(ILogger logger, string address, Grpc.Core.StatusCode status, string detail);

    [LoggerMessage(EventId = 5207, Level = LogLevel.Error, Message = "Dashboard cannot show the traffic report")]
    public static partial void CannotShowTraffic(ILogger logger, Exception exception);
}
