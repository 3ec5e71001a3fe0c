using Experiments.Contracts.V1;

namespace Experiments.Cli.Replay;

/// <summary>Sends one recorded exchange to the target with the given headers and measures what comes back.</summary>
internal interface IReplaySender
{
    Task<ReplayOutcome> SendAsync(CapturedExchange exchange, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken);
}
