namespace Experiments.Statistics.Replay;

/// <summary>
/// Limits of Statistics.AnalyzeReplay (section <c>Statistics:Replay</c>). Default: 50,000 observations per request,
/// about what fits in the 4 MB message the service accepts (an observation takes roughly 80 bytes).
/// </summary>
public sealed class ReplayOptions
{
    /// <summary>Most observations one AnalyzeReplay request may carry; more is RESOURCE_EXHAUSTED.</summary>
    public int MaxObservations { get; set; } = 50_000;
}
