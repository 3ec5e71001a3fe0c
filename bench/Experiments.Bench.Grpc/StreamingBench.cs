using System.Diagnostics;

namespace Experiments.Bench.Grpc;

/// <summary>
/// Server-streaming messages/s with the bench's raw HTTP/2 client: concurrent calls on one connection, each asking
/// for the same number of small replies, each written and flushed on its own. The number is sized from the
/// warm-up so that a run lasts about the configured time; the same number then serves both endpoints.
/// </summary>
internal sealed class StreamingBench(BenchOptions options, BenchPair pair)
{
    private const int WarmUpReplies = 200_000;
    private const int WarmUpRuns = 3;

    public int RepliesPerCall { get; private set; }

    public async Task<RoundResults> RunAsync(CancellationToken token)
    {
        var fastest = 0.0;
        foreach (var endpoint in pair.Both)
        {
            var rate = 0.0;
            for (var run = 0; run < WarmUpRuns; run++)
            {
                rate = (await MeasureAsync(endpoint, WarmUpReplies, token)).Rate;
            }
            fastest = Math.Max(fastest, rate);
            Console.WriteLine($"  warm-up  {endpoint.Name}: {rate,12:N0} msg/s (discarded)");
        }
        RepliesPerCall = (int)Math.Clamp(fastest * options.StreamingRoundSeconds / options.ConcurrentStreams, WarmUpReplies, 50_000_000);
        return await RoundResults.MeasureAsync(pair, options.StreamingRounds, "msg", endpoint => MeasureAsync(endpoint, RepliesPerCall, token));
    }

    private async Task<Measurement> MeasureAsync(BenchEndpoint endpoint, int replies, CancellationToken token)
    {
        var request = BenchWork.SampleRequest;
        request.ReplyCount = replies;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        cts.CancelAfter(TimeSpan.FromSeconds(20 + options.StreamingRoundSeconds * 8));
        var before = await pair.GetServerStatsAsync(token);
        var clock = Stopwatch.StartNew();
        var calls = Enumerable.Range(0, options.ConcurrentStreams)
            .Select(_ => endpoint.Client.ServerStreamAsync(BenchPaths.ServerStream, request, cts.Token));
        long messages;
        try
        {
            messages = (await Task.WhenAll(calls)).Sum();
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
        {
            throw new BenchFailure($"{endpoint.Name}: server-streaming calls of {replies} replies did not finish in time.");
        }
        var elapsed = clock.Elapsed;
        var after = await pair.GetServerStatsAsync(token);
        var counts = after.CallsOf(endpoint, BenchPaths.ServerStream) - before.CallsOf(endpoint, BenchPaths.ServerStream);
        if (counts.Failed > 0 || counts.Ok != options.ConcurrentStreams)
        {
            throw new BenchFailure($"{endpoint.Name}: the server counted {counts.Ok} successful and {counts.Failed} failed streaming calls, not {options.ConcurrentStreams} successful.");
        }
        return Measurement.From(messages / elapsed.TotalSeconds, messages, before, after);
    }
}
