using System.Runtime.InteropServices;
using Experiments.Testing.V1;

namespace Experiments.Bench.Grpc;

/// <summary>
/// Runs the whole bench: starts the server process, checks both endpoints answer alike, measures unary
/// requests/s (h2load) and server-streaming messages/s (raw client), and prints the figures and ratios.
/// Exit codes: 0 target met, 2 target missed, 1 a check failed or the bench broke, 64 bad arguments.
/// </summary>
internal static class BenchRunner
{
    // Issue #11: Grpc.AspNetCore within 0.8x of a bare Kestrel endpoint doing the same protobuf work.
    public const double Target = 0.8;

    // Beyond this the ratio of medians and the paired ratio tell different stories: the run was too noisy.
    private const double NoisyRunGap = 0.05;

    // Every run stops by itself: h2load runs and streaming calls have their own limits, and this bounds the whole.
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);

    public static async Task<int> RunAsync(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (UsageException ex)
        {
            if (ex.Message.Length > 0 && args is not ["-h" or "--help"])
            {
                Console.Error.WriteLine(ex.Message);
            }
            Console.Error.WriteLine(BenchOptions.Usage);
            return 64;
        }
        if (!File.Exists(options.H2Load))
        {
            Console.Error.WriteLine($"h2load not found at {options.H2Load} (Debian: apt-get install nghttp2-client).");
            return 1;
        }

        using var budget = new CancellationTokenSource(Budget);
        ServerProcess? server = null;
        try
        {
            server = await ServerProcess.StartAsync(TimeSpan.FromSeconds(30), budget.Token);
            return await MeasureAsync(options, server, budget.Token);
        }
        catch (Exception ex) when (ex is BenchFailure or HttpRequestException or IOException
            || (ex is OperationCanceledException && budget.IsCancellationRequested))
        {
            var reason = ex switch
            {
                BenchFailure => ex.Message,
                OperationCanceledException => $"the whole run took longer than its budget of {Budget.TotalMinutes} minutes.",
                _ => ex.ToString(),
            };
            Console.Error.WriteLine($"\nBENCH FAILED: {reason}");
            if (server is not null)
            {
                Console.Error.WriteLine(server.Diagnostics);
            }
            return 1;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static async Task<int> MeasureAsync(BenchOptions options, ServerProcess server, CancellationToken token)
    {
        var pair = server.Endpoints;
        PrintHeader(options, server);
        await CheckEndpointsAgreeAsync(pair, token);

        var requestFile = Path.Combine(Path.GetTempPath(), $"experiments-bench-request-{Environment.ProcessId}.bin");
        await File.WriteAllBytesAsync(requestFile, GrpcFrames.Frame(BenchWork.SampleRequest), token);
        UnaryBench unaryBench;
        RoundResults unary;
        try
        {
            Console.WriteLine($"\nunary: h2load -c {options.Connections} -m {options.StreamsPerConnection} -t 1 -n <about {options.DurationSeconds} s of requests>, {options.Rounds} rounds");
            unaryBench = new UnaryBench(options, pair, requestFile);
            unary = await unaryBench.RunAsync(token);
        }
        finally
        {
            File.Delete(requestFile);
        }

        Console.WriteLine($"\nserver streaming: {options.ConcurrentStreams} concurrent calls on one connection, read by the bench's raw HTTP/2 client, {options.StreamingRounds} rounds");
        var streamingBench = new StreamingBench(options, pair);
        var streaming = await streamingBench.RunAsync(token);

        Console.WriteLine($"\nunary requests/s (h2load, {unaryBench.RequestsPerRun:N0} requests per run)");
        unary.Print("req");
        Console.WriteLine($"  verified: all {unaryBench.VerifiedCalls:N0} calls h2load made, warm-up included, ended with HTTP 200 and grpc-status 0 (server counters)");
        Console.WriteLine($"\nserver-streaming messages/s ({options.ConcurrentStreams} calls x {streamingBench.RepliesPerCall:N0} replies per run)");
        streaming.Print("msg");
        Console.WriteLine("  verified: every call got all its replies, numbered in order, and ended with grpc-status 0");

        var met = unary.Ratio >= Target;
        Console.WriteLine($"\nRESULT unary: grpc-dotnet {unary.GrpcDotnetMedian:N0} req/s, bare {unary.BareMedian:N0} req/s (medians); "
            + $"grpc-dotnet/bare = {unary.Ratio:F3} (paired by round: {unary.PairedRatio:F3}); target >= {Target:F2}: {(met ? "met" : "MISSED")}");
        Console.WriteLine($"RESULT server streaming: grpc-dotnet {streaming.GrpcDotnetMedian:N0} msg/s, bare {streaming.BareMedian:N0} msg/s (medians); "
            + $"grpc-dotnet/bare = {streaming.Ratio:F3} (paired by round: {streaming.PairedRatio:F3})");
        if (Math.Abs(unary.Ratio - unary.PairedRatio) > NoisyRunGap)
        {
            Console.WriteLine($"NOTE: the two unary estimates differ by more than {NoisyRunGap:F2}: the machine's load moved a lot during this run; "
                + "trust the paired one, or run again with more --rounds.");
        }
        return met ? 0 : 2;
    }

    private static void PrintHeader(BenchOptions options, ServerProcess server)
    {
        Console.WriteLine("gRPC server bench: Grpc.AspNetCore (grpc-dotnet) against a hand-written Kestrel gRPC endpoint (bare)");
        Console.WriteLine($"  {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}");
        Console.WriteLine($"  server: pid {server.Id}; grpc-dotnet {server.Endpoints.GrpcDotnet.Address}, bare {server.Endpoints.Bare.Address} (h2c); unary {BenchPaths.Unary}");
        Console.WriteLine($"  warm-up {options.WarmUpSeconds} s per endpoint, then rounds alternating grpc-dotnet,bare / bare,grpc-dotnet");
    }

    /// <summary>Both endpoints must give the same bytes for the same request, else the comparison means nothing.</summary>
    private static async Task CheckEndpointsAgreeAsync(BenchPair pair, CancellationToken token)
    {
        var request = BenchWork.SampleRequest;
        var expected = BenchWork.Reply(request);
        var grpcDotnet = await pair.GrpcDotnet.Client.UnaryAsync(BenchPaths.Unary, request, token);
        var bare = await pair.Bare.Client.UnaryAsync(BenchPaths.Unary, request, token);
        if (!grpcDotnet.AsSpan().SequenceEqual(bare) || !BenchReply.Parser.ParseFrom(grpcDotnet).Equals(expected))
        {
            throw new BenchFailure("grpc-dotnet and bare do not return the same reply to the same request.");
        }
        request.ReplyCount = 3;
        foreach (var endpoint in pair.Both)
        {
            await endpoint.Client.ServerStreamAsync(BenchPaths.ServerStream, request, token);
        }
        Console.WriteLine($"  check: both endpoints return the same {grpcDotnet.Length}-byte reply with grpc-status 0; streams end in order with grpc-status 0");
    }
}
