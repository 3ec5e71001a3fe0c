using Experiments.Contracts.V1;

namespace Experiments.Cli.Replay;

/// <summary>One recorded exchange replayed under both variants (control first here, whatever order it was sent in).</summary>
internal sealed record ReplayedExchange(CapturedExchange Exchange, string Flag, ReplayOutcome Control, ReplayOutcome Treatment, IReadOnlyList<FieldDifference> Differences);
