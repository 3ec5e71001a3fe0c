namespace Experiments.Bench.Grpc;

/// <summary>The Grpc.AspNetCore app and the bare app, served by the one bench server process.</summary>
internal sealed record BenchPair(BenchEndpoint GrpcDotnet, BenchEndpoint Bare)
{
    public BenchEndpoint[] Both => [GrpcDotnet, Bare];

    /// <summary>
    /// The order of round <paramref name="round"/> (from 1): grpc-dotnet,bare, bare,grpc-dotnet, grpc-dotnet,bare, ... Each endpoint
    /// goes first as often as second, so a steady drift in the machine's load favours neither.
    /// </summary>
    public BenchEndpoint[] OrderOfRound(int round) => round % 2 == 1 ? [GrpcDotnet, Bare] : [Bare, GrpcDotnet];

    /// <summary>The server's figures; both apps report the same process-wide ones.</summary>
    public Task<ServerStats> GetServerStatsAsync(CancellationToken token) => GrpcDotnet.Client.GetServerStatsAsync(token);
}
