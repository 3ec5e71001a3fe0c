namespace Experiments.Bench.Grpc;

/// <summary>Our layer's app and the bare app, served by the one bench server process.</summary>
internal sealed record BenchPair(BenchEndpoint Ours, BenchEndpoint Bare)
{
    public BenchEndpoint[] Both => [Ours, Bare];

    /// <summary>
    /// The order of round <paramref name="round"/> (from 1): ours-bare, bare-ours, ours-bare, ... Each endpoint
    /// goes first as often as second, so a steady drift in the machine's load favours neither.
    /// </summary>
    public BenchEndpoint[] OrderOfRound(int round) => round % 2 == 1 ? [Ours, Bare] : [Bare, Ours];

    /// <summary>The server's figures; both apps report the same process-wide ones.</summary>
    public Task<ServerStats> GetServerStatsAsync(CancellationToken token) => Ours.Client.GetServerStatsAsync(token);
}
