namespace Experiments.Bench.Grpc;

/// <summary>
/// Unary requests/s by h2load, grpc-dotnet against bare: warm-up runs of each, then alternating measured rounds of the
/// same number of requests, sized from the warm-up so a run lasts about the configured time. Every run is
/// checked against the server's counters: each request h2load sent must have ended with HTTP 200 and grpc-status 0.
/// </summary>
internal sealed class UnaryBench(BenchOptions options, BenchPair pair, string requestFile)
{
    // Enough for the JIT to compile the hot paths; the second warm-up run then lets tiered PGO settle.
    private const long FirstWarmUpRequests = 50_000;

    /// <summary>Calls the server counted as gRPC successes in this bench, warm-up included.</summary>
    public long VerifiedCalls { get; private set; }

    /// <summary>Requests per measured run, the same for both endpoints.</summary>
    public long RequestsPerRun { get; private set; }

    public async Task<RoundResults> RunAsync(CancellationToken token)
    {
        var fastest = 0.0;
        foreach (var endpoint in pair.Both)
        {
            var cold = (await MeasureVerifiedAsync(endpoint, FirstWarmUpRequests, token)).Rate;
            var warm = (await MeasureVerifiedAsync(endpoint, RequestsFor(cold, options.WarmUpSeconds), token)).Rate;
            fastest = Math.Max(fastest, warm);
            Console.WriteLine($"  warm-up  {endpoint.Name}: {cold,12:N0} then {warm:N0} req/s (discarded)");
        }
        RequestsPerRun = RequestsFor(fastest, options.DurationSeconds);
        return await RoundResults.MeasureAsync(pair, options.Rounds, "req", endpoint => MeasureVerifiedAsync(endpoint, RequestsPerRun, token));
    }

    private static long RequestsFor(double rate, int seconds) => Math.Max(FirstWarmUpRequests, (long)(rate * seconds));

    private async Task<Measurement> MeasureVerifiedAsync(BenchEndpoint endpoint, long requests, CancellationToken token)
    {
        var before = await pair.GetServerStatsAsync(token);
        // Generous, as other people's builds may slow a run several times over; but it stops by itself.
        var timeout = TimeSpan.FromSeconds(20 + options.DurationSeconds * 8);
        var result = await H2Load.RunAsync(options, endpoint.UrlOf(BenchPaths.Unary), requestFile, requests, timeout, token);
        var after = await pair.GetServerStatsAsync(token);
        var calls = after.CallsOf(endpoint, BenchPaths.Unary) - before.CallsOf(endpoint, BenchPaths.Unary);
        if (result.Problem(requests) is { } problem)
        {
            throw new BenchFailure($"{endpoint.Name}: h2load reports {problem}.");
        }
        if (calls.Failed > 0 || calls.Ok != requests)
        {
            throw new BenchFailure(
                $"{endpoint.Name}: h2load sent {requests} requests; the server counted {calls.Ok} that ended with HTTP 200 and grpc-status 0 and {calls.Failed} that did not.");
        }
        VerifiedCalls += calls.Ok;
        return Measurement.From(result.RequestsPerSecond, requests, before, after);
    }
}
