using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Experiments.Bench.Grpc;
using Experiments.Contracts.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Bench.Assignment;

/// <summary>
/// Remote Assign requests/s by h2load against the Foundation benchmark's bare Kestrel unary endpoint, both served by
/// one Kestrel listener in this process (one JIT, one GC). Assign is the whole service path as Program.cs wires it:
/// Grpc.AspNetCore, API-key authentication, OpenTelemetry's ASP.NET Core instrumentation, the call-telemetry, scope
/// and domain-error interceptors, evaluation of one running experiment, response. Warm-up per endpoint, then
/// alternating rounds; every call is checked to have ended with grpc-status 0, and each run's process CPU time and
/// allocated bytes are divided by its calls (h2load runs in its own process, so they are the server's). Exit 0 when
/// Assign/bare (median of the per-round ratios) ≥ 0.8, 2 when not.
/// </summary>
internal static class RemoteAssignBench
{
    private const double Target = 0.8;
    private const string ApiKey = "bench-read-key";
    private const string AssignPath = "/experiments.v1.Assignment/Assign";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = BenchOptions.Parse(args);
        var dataFolder = Path.Combine(Path.GetTempPath(), "experiments-bench-assignment-" + Environment.ProcessId);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "Experiments.Assignment", EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        // Errors only: a failing call must explain itself, and nothing else may cost time during the runs.
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Error);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:Folder"] = dataFolder,
            ["Exposures:IngestionAddress"] = "",
            ["Auth:ApiKeys:0:Key"] = ApiKey,
            ["Auth:ApiKeys:0:Name"] = "bench",
            ["Auth:ApiKeys:0:Scopes:0"] = "read",
            ["Auth:ApiKeys:0:Scopes:1"] = "admin",
        });
        builder.AddServiceDefaults();
        builder.AddAssignment();
        var counters = new StatusCounters();
        await using var app = builder.Build();
        app.Use(counters.Middleware);
        app.MapServiceDefaults();
        app.MapAssignment();
        app.MapBareGrpc();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        var files = new List<string>();
        try
        {
            await DefineExperimentAsync(app.Services);
            var assignFile = WriteFrame(files, GrpcFrames.Frame(new AssignRequest { Context = new EvaluationContext { UserId = "user-1000042" }, FlagKeys = { "place-order-engine" } }));
            var bareFile = WriteFrame(files, GrpcFrames.Frame(BenchWork.SampleRequest));
            var endpoints = new (string Name, string Path, string File)[]
            {
                ("Assign (grpc-dotnet)", AssignPath, assignFile),
                ("bare (Kestrel)", BenchPaths.Unary, bareFile),
            };
            Console.WriteLine($"remote Assign: h2load -c {options.Connections} -m {options.StreamsPerConnection} -t 1 -D {options.DurationSeconds}, {options.Rounds} rounds per endpoint, {Environment.ProcessorCount} cores");
            foreach (var endpoint in endpoints)
            {
                var warmUp = await RunVerifiedAsync(options, address, endpoint.Path, endpoint.File, options.WarmUpSeconds, counters);
                Console.WriteLine($"  warm-up   {endpoint.Name,-21} {warmUp.Rate,12:N0} req/s  (discarded)");
            }
            var runs = endpoints.ToDictionary(e => e.Name, _ => new List<Run>());
            for (var round = 1; round <= options.Rounds; round++)
            {
                // Alternate which goes first, so drift in machine load does not favour one side.
                foreach (var endpoint in round % 2 == 1 ? endpoints : endpoints.Reverse())
                {
                    var run = await RunVerifiedAsync(options, address, endpoint.Path, endpoint.File, options.DurationSeconds, counters);
                    runs[endpoint.Name].Add(run);
                    Console.WriteLine($"  round {round,2}   {endpoint.Name,-21} {run.Rate,12:N0} req/s   server CPU {run.CpuMicroseconds,6:F2} us/call   allocated {run.AllocatedBytes,6:F0} B/call");
                }
            }
            var results = runs.ToDictionary(r => r.Key, r => r.Value.Select(run => run.Rate).ToList());
            var assign = Median(results[endpoints[0].Name]);
            var bare = Median(results[endpoints[1].Name]);
            // Each round measures both endpoints back to back: the median of those paired ratios cancels the drift of
            // a shared machine's load between rounds better than the ratio of the two medians (both are printed).
            var ratio = Median(results[endpoints[0].Name].Zip(results[endpoints[1].Name], (o, b) => o / b).ToList());
            Console.WriteLine($"  per-round Assign/bare: {string.Join(", ", results[endpoints[0].Name].Zip(results[endpoints[1].Name], (o, b) => (o / b).ToString("F3", CultureInfo.InvariantCulture)))}; ratio of medians {assign / bare:F3}");
            foreach (var endpoint in endpoints)
            {
                var (cpu, bytes) = (Median(runs[endpoint.Name].Select(r => r.CpuMicroseconds).ToList()), Median(runs[endpoint.Name].Select(r => r.AllocatedBytes).ToList()));
                Console.WriteLine($"  median    {endpoint.Name,-21} server CPU {cpu,6:F2} us/call   allocated {bytes,6:F0} B/call");
            }
            Console.WriteLine($"  verified: {counters.Ok(AssignPath):N0} Assign calls and {counters.Ok(BenchPaths.Unary):N0} bare calls ended with grpc-status 0, none otherwise " +
                $"({counters.Aborted(AssignPath)} + {counters.Aborted(BenchPaths.Unary)} cut off by h2load closing its connections at the end of a run)");
            Console.WriteLine($"RESULT remote Assign (grpc-dotnet)/bare = {ratio:F3} (median of paired rounds; medians {assign:N0} / {bare:N0} req/s), target >= {Target:F2}: {(ratio >= Target ? "met" : "MISSED")}");
            return ratio >= Target ? 0 : 2;
        }
        finally
        {
            await app.StopAsync();
            foreach (var file in files)
            {
                File.Delete(file);
            }
            Directory.Delete(dataFolder, recursive: true);
        }
    }

    private static async Task DefineExperimentAsync(IServiceProvider services)
    {
        var catalog = services.GetRequiredService<Experiments.Assignment.Definitions.ExperimentCatalog>();
        await catalog.Ready;
        var definition = new Experiments.Assignment.Definitions.ExperimentDefinition
        {
            Id = "",
            FlagKey = "place-order-engine",
            Variants = [new("control", "", 50, true, "{\"engine\":\"v1\"}"), new("fast-engine", "", 50, false, "{\"engine\":\"v2\"}")],
            Unit = Experiments.Assignment.Definitions.UnitKind.User,
            RolloutPercent = 100,
            Kpis = [new() { Key = "p99", Kind = Experiments.Assignment.Definitions.MetricKind.LatencyP99, Role = Experiments.Assignment.Definitions.MetricRole.Primary }],
            MinimumDetectableEffect = 0.02,
        };
        var created = await catalog.CreateAsync(definition, "bench", "bench", CancellationToken.None);
        await catalog.StartAsync(created.Id, created.Revision, "bench", CancellationToken.None);
    }

    private static async Task<Run> RunVerifiedAsync(BenchOptions options, Uri address, string path, string file, int seconds, StatusCounters counters)
    {
        var (okBefore, failedBefore) = counters.Get(path);
        var (cpuBefore, allocatedBefore) = (Environment.CpuUsage.TotalTime, GC.GetTotalAllocatedBytes(precise: true));
        var result = await H2LoadWithAuth(options, new Uri(address, path), file, seconds);
        var (cpuAfter, allocatedAfter) = (Environment.CpuUsage.TotalTime, GC.GetTotalAllocatedBytes(precise: true));
        var (okAfter, failedAfter) = counters.Get(path);
        // A timed run (-D) resets the streams still in flight when time is up; those are counted by the server as
        // aborted, not as failures. Failures and time-outs are.
        if (result.Failed + result.TimedOut > 0)
        {
            throw new InvalidOperationException($"{path}: h2load reports {result.Failed} failed and {result.TimedOut} timed out");
        }
        if (failedAfter > failedBefore)
        {
            throw new InvalidOperationException($"{path}: {failedAfter - failedBefore} calls did not end with grpc-status 0, e.g. {string.Join(" | ", counters.Failures)}");
        }
        if (okAfter - okBefore < result.Succeeded)
        {
            throw new InvalidOperationException($"{path}: h2load counted {result.Succeeded} successes, the server {okAfter - okBefore}");
        }
        // h2load's warm-up second is served too, so the costs are divided by every call the server completed.
        var calls = Math.Max(1, okAfter - okBefore);
        return new Run(result.RequestsPerSecond, (cpuAfter - cpuBefore).TotalMicroseconds / calls, (double)(allocatedAfter - allocatedBefore) / calls);
    }

    /// <summary>One h2load run of one endpoint: requests/s, and this process's CPU time and allocated bytes per call.</summary>
    private readonly record struct Run(double Rate, double CpuMicroseconds, double AllocatedBytes);

    /// <summary>
    /// h2load with the Foundation runner's arguments (fixed duration after a 1 s warm-up, one thread, the gRPC
    /// headers) plus the API key, parsed by the Foundation's parser. The bare endpoint ignores the key.
    /// </summary>
    private static async Task<H2LoadResult> H2LoadWithAuth(BenchOptions options, Uri url, string file, int seconds)
    {
        var start = new ProcessStartInfo(options.H2Load) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "-c", options.Connections.ToString(CultureInfo.InvariantCulture),
            "-m", options.StreamsPerConnection.ToString(CultureInfo.InvariantCulture),
            "-t", "1",
            "-D", seconds.ToString(CultureInfo.InvariantCulture),
            "--warm-up-time=1",
            "-d", file,
            "-H", "content-type: " + GrpcFrames.ContentType,
            "-H", "te: trailers",
            "-H", "authorization: Bearer " + ApiKey,
            url.ToString(),
        })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + options.H2Load);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 60));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        return process.ExitCode == 0 ? H2Load.Parse(output) : throw new InvalidOperationException($"h2load exited with {process.ExitCode}:\n{output}");
    }

    private static string WriteFrame(List<string> files, byte[] frame)
    {
        var path = Path.Combine(Path.GetTempPath(), $"experiments-bench-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, frame);
        files.Add(path);
        return path;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Counts calls per path by how they ended: grpc-status 0 (in trailers, or a trailers-only response) or anything else.</summary>
    private sealed class StatusCounters
    {
        private readonly ConcurrentDictionary<string, long[]> _byPath = new(StringComparer.Ordinal);

        public ConcurrentQueue<string> Failures { get; } = new();

        public async Task Middleware(HttpContext http, RequestDelegate next)
        {
            var counts = _byPath.GetOrAdd(http.Request.Path.Value ?? "", _ => new long[3]);
            try
            {
                await next(http);
            }
            catch (Exception)
            {
                if (!await CutOffAsync(http))
                {
                    throw;
                }
                Interlocked.Increment(ref counts[2]);
                return;
            }
            var status = http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"].ToString();
            if (string.IsNullOrEmpty(status))
            {
                status = http.Response.Headers["grpc-status"].ToString();
            }
            var outcome = http.Response.StatusCode == 200 && status == "0" ? 0 : await CutOffAsync(http) ? 2 : 1;
            Interlocked.Increment(ref counts[outcome]);
            if (outcome == 1 && Failures.Count < 5)
            {
                var message = http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-message"].ToString();
                Failures.Enqueue($"HTTP {http.Response.StatusCode} grpc-status {status} {message} {http.Response.Headers["grpc-message"]}");
            }
        }

        /// <summary>
        /// A call cut off by h2load closing its connections at the end of a run is not a failure of the server. When
        /// the connection faults, Kestrel cancels RequestAborted a moment after the read fails, so look again shortly.
        /// </summary>
        private static async Task<bool> CutOffAsync(HttpContext http)
        {
            for (var i = 0; i < 20 && !http.RequestAborted.IsCancellationRequested; i++)
            {
                await Task.Delay(10);
            }
            return http.RequestAborted.IsCancellationRequested;
        }

        public (long Ok, long Failed) Get(string path) => _byPath.TryGetValue(path, out var c) ? (Interlocked.Read(ref c[0]), Interlocked.Read(ref c[1])) : (0, 0);

        public long Ok(string path) => Get(path).Ok;

        public long Aborted(string path) => _byPath.TryGetValue(path, out var c) ? Interlocked.Read(ref c[2]) : 0;
    }
}
