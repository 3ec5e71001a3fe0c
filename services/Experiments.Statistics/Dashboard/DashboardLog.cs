namespace Experiments.Statistics.Dashboard;

/// <summary>The dashboard's log messages (event ids 52xx).</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(EventId = 5203, Level = LogLevel.Error, Message = "Dashboard cannot show the {What} of experiment {ExperimentId}; the other experiments are shown")]
    public static partial void CannotShow(ILogger logger, string what, string experimentId, Exception exception);

    [LoggerMessage(EventId = 5204, Level = LogLevel.Error, Message = "Dashboard request {Path} failed")]
    public static partial void RequestFailed(ILogger logger, string path, Exception exception);
}
