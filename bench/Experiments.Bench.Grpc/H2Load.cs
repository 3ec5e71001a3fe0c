using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Experiments.Bench.Grpc;

/// <summary>What one h2load run reported.</summary>
internal sealed record H2LoadResult(double RequestsPerSecond, long Succeeded, long Failed, long Errored, long TimedOut, long Status2xx)
{
    /// <summary>Why h2load's own counts show a failure, or null when they do not.</summary>
    public string? Problem(long requests) =>
        Succeeded != requests ? $"{Succeeded} of {requests} requests succeeded"
        : Failed + Errored + TimedOut > 0 ? $"{Failed} failed, {Errored} errored, {TimedOut} timed out"
        : Status2xx != Succeeded ? $"{Succeeded} succeeded but {Status2xx} were HTTP 2xx"
        : null;
}

/// <summary>
/// Runs h2load (nghttp2-client) for a fixed number of requests against one unary gRPC method. A count, not a
/// duration: h2load -D resets the streams in flight when time is up, and those calls would end without a status.
/// </summary>
internal static partial class H2Load
{
    public static async Task<H2LoadResult> RunAsync(
        BenchOptions options, Uri url, string requestFile, long requests, TimeSpan timeout, CancellationToken token)
    {
        var start = new ProcessStartInfo(options.H2Load)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-c", options.Connections.ToString(CultureInfo.InvariantCulture),
            "-m", options.StreamsPerConnection.ToString(CultureInfo.InvariantCulture),
            "-t", "1",
            "-n", requests.ToString(CultureInfo.InvariantCulture),
            "-d", requestFile,
            "-H", "content-type: " + GrpcFrames.ContentType,
            "-H", "te: trailers",
            url.ToString(),
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new BenchFailure("Could not start " + options.H2Load);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (token.IsCancellationRequested)
            {
                throw;
            }
            throw new BenchFailure($"h2load did not finish {requests} requests against {url} within {timeout.TotalSeconds:F0} s.");
        }
        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            throw new BenchFailure($"h2load exited with {process.ExitCode}:\n{output}");
        }
        return Parse(output);
    }

    public static H2LoadResult Parse(string output)
    {
        var finished = Finished().Match(output);
        var requests = Requests().Match(output);
        var codes = StatusCodes().Match(output);
        if (!finished.Success || !requests.Success || !codes.Success)
        {
            throw new BenchFailure("Unexpected h2load output:\n" + output);
        }
        return new H2LoadResult(
            double.Parse(finished.Groups["rps"].Value, CultureInfo.InvariantCulture),
            Count(requests, "succeeded"), Count(requests, "failed"), Count(requests, "errored"), Count(requests, "timeout"),
            Count(codes, "ok"));
    }

    private static long Count(Match match, string group) => long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"finished in [\d.]+m?s, (?<rps>[\d.]+) req/s")]
    private static partial Regex Finished();

    [GeneratedRegex(@"requests: \d+ total, \d+ started, \d+ done, (?<succeeded>\d+) succeeded, (?<failed>\d+) failed, (?<errored>\d+) errored, (?<timeout>\d+) timeout")]
    private static partial Regex Requests();

    [GeneratedRegex(@"status codes: (?<ok>\d+) 2xx")]
    private static partial Regex StatusCodes();
}
