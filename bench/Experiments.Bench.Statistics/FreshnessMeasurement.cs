using System.Diagnostics;
using System.Globalization;
using Experiments.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Experiments.Testing.Assignment;
using Experiments.Tests.Shared;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Bench.Statistics;

/// <summary>
/// Freshness in local mode with the shipped defaults (checkpoint 500 ms, verdicts at most every 250 ms): ingestion and
/// statistics as real processes, the ingestion forwarder between them. Batches of new users are ingested at a steady
/// pace; for each, the time from its acknowledgement (IngestBatch answered, i.e. durably committed) to the first verdict
/// on a WatchVerdicts stream that counts its users. All times are taken on this process's clock.
/// </summary>
internal static class FreshnessMeasurement
{
    private const string Key = "dev-local-key";

    public static async Task<int> RunAsync(string[] args)
    {
        var batches = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 400;
        const int usersPerBatch = 20;
        var interval = TimeSpan.FromMilliseconds(50);
        var folder = Path.Combine(Path.GetTempPath(), "statistics-freshness-" + Guid.NewGuid().ToString("N")[..8]);
        Console.WriteLine($"freshness: {batches} batches of {usersPerBatch} new users (~{usersPerBatch * 4.4:F0} events) every {interval.TotalMilliseconds} ms; load average before: {LoadAverage()}");
        try
        {
            await using var assignment = await AssignmentDouble.StartAsync(0, Workload.Definition());
            await using var statistics = await ServiceProcess.StartAsync("Experiments.Statistics",
                "--Data:Folder=" + Path.Combine(folder, "statistics"), "--Statistics:AssignmentAddress=" + assignment.Address, "--Logging:LogLevel:Default=Warning");
            await using var ingestion = await ServiceProcess.StartAsync("Experiments.Ingestion",
                "--Ingestion:Log:DataPath=" + Path.Combine(folder, "ingestion"), "--Ingestion:Forwarding:StatisticsAddress=" + statistics.Address,
                "--Ingestion:Forwarding:ApiKey=" + Key, "--Logging:LogLevel:Default=Warning");
            using var ingestionChannel = GrpcChannel.ForAddress(ingestion.Address);
            using var statisticsChannel = GrpcChannel.ForAddress(statistics.Address, new GrpcChannelOptions { MaxReceiveMessageSize = null });
            var options = new CallOptions(new Metadata { { "authorization", "Bearer " + Key } });
            var ingestionClient = new Contracts.V1.Ingestion.IngestionClient(ingestionChannel);
            var statisticsClient = new Contracts.V1.Statistics.StatisticsClient(statisticsChannel);

            var arrivals = new List<(long Ticks, long Units)>();
            using var stop = new CancellationTokenSource();
            using var call = statisticsClient.WatchVerdicts(
                new WatchVerdictsRequest { ExperimentIds = { Workload.ExperimentId }, MinInterval = Duration.FromTimeSpan(TimeSpan.Zero) },
                options.WithCancellationToken(stop.Token));
            var reading = Task.Run(async () =>
            {
                try
                {
                    while (await call.ResponseStream.MoveNext(stop.Token))
                    {
                        var units = call.ResponseStream.Current.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits);
                        lock (arrivals)
                        {
                            arrivals.Add((Stopwatch.GetTimestamp(), units));
                        }
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or RpcException)
                {
                }
            });

            var workload = new Workload(5) { Origin = DateTimeOffset.UtcNow.AddMinutes(-10), DayOneLogins = false };
            var acks = new List<(long Ticks, long Units)>();
            long exposed = 0;
            var next = Stopwatch.GetTimestamp();
            var warmUp = 40;
            for (var b = 0; b < warmUp + batches; b++)
            {
                var batch = new EventBatch { Sequence = b + 1, Source = "freshness" };
                batch.Events.AddRange(workload.Users(b * usersPerBatch, usersPerBatch));
                exposed += batch.Events.Count(e => e.Exposure is not null);
                var response = await ingestionClient.IngestBatchAsync(batch, options);
                if (response.RejectedCount > 0)
                {
                    Console.Error.WriteLine("rejected: " + response);
                    return 1;
                }
                if (b >= warmUp)
                {
                    acks.Add((Stopwatch.GetTimestamp(), exposed));
                }
                next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
            }
            var deadline = Stopwatch.GetTimestamp() + 30 * Stopwatch.Frequency;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                lock (arrivals)
                {
                    if (arrivals.Count > 0 && arrivals[^1].Units >= exposed)
                    {
                        break;
                    }
                }
                await Task.Delay(50);
            }
            await stop.CancelAsync();
            await reading;

            var freshness = new List<double>();
            foreach (var (ticks, units) in acks)
            {
                var visible = arrivals.FirstOrDefault(a => a.Units >= units);
                if (visible.Ticks == 0)
                {
                    Console.Error.WriteLine($"a batch never became visible ({units} units)");
                    return 1;
                }
                freshness.Add(Math.Max(0, Stopwatch.GetElapsedTime(ticks, visible.Ticks).TotalMilliseconds));
            }
            freshness.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"acknowledged -> visible in a verdict over {freshness.Count} batches: p50 {Percentile(freshness, 0.5):F0} ms, p90 {Percentile(freshness, 0.9):F0} ms, p99 {Percentile(freshness, 0.99):F0} ms, max {freshness[^1]:F0} ms (target p99 <= 1000 ms); {arrivals.Count} verdicts streamed; load average after: {LoadAverage()}"));
            return 0;
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
