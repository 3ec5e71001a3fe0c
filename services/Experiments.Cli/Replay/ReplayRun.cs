namespace Experiments.Cli.Replay;

/// <summary>Why a replay stopped sending.</summary>
internal enum ReplayStop
{
    /// <summary>Every exchange read from the capture (up to --max-exchanges) was replayed.</summary>
    Completed,

    /// <summary>--max-duration elapsed first.</summary>
    MaxDuration,

    /// <summary>The user pressed Ctrl+C.</summary>
    Interrupted,
}

/// <summary>What a replay did: the exchanges replayed under both variants, and why it stopped.</summary>
/// <param name="Abandoned">Exchanges started but cut by the stop before both variants answered; left out of the analysis so the arms stay paired.</param>
internal sealed record ReplayRun(IReadOnlyList<ReplayedExchange> Exchanges, int Abandoned, ReplayStop Stop, TimeSpan Elapsed, IReadOnlyCollection<string> DroppedHeaders);
