using System.Globalization;
using Experiments.Bench.Ingestion;
using Grpc.Net.Client;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message.Length > 0 ? ex.Message + "\n" + BenchOptions.Usage : BenchOptions.Usage);
    return 2;
}

var dataPath = options.DataPath ?? Path.Combine(Path.GetTempPath(), "ingestion-bench-" + Guid.NewGuid().ToString("N")[..8]);
var ownsData = options.DataPath is null;
using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
if (options.FloodSeconds > 0)
{
    return await FloodAsync(options, dataPath, timeout.Token);
}
try
{
    Console.WriteLine($"Ingestion benchmark: {options.Streams} IngestStream call(s) x {options.Window} batches in flight, {options.BatchEvents} request events per batch, durable commits (fsync per group) in {dataPath}");
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average before: {LoadAverage()}");
    await using var service = await IngestionProcess.StartAsync(dataPath);
    using var channel = GrpcChannel.ForAddress(service.Address);
    var load = new LoadGenerator(channel, options);

    var cpuBefore = service.CpuTime;
    var peak = await load.RunAsync(TimeSpan.FromSeconds(options.WarmUpSeconds), TimeSpan.FromSeconds(options.PeakSeconds), null, timeout.Token);
    var cpu = (service.CpuTime - cpuBefore).TotalSeconds / (options.WarmUpSeconds + options.PeakSeconds);
    Console.WriteLine($"peak: {peak.EventsPerSecond.ToString("N0", CultureInfo.InvariantCulture)} acknowledged events/s over {options.PeakSeconds} s " +
        $"(ack latency at peak p50 {Percentile(peak.LatenciesMs, 0.5):F1} ms, p99 {Percentile(peak.LatenciesMs, 0.99):F1} ms; service CPU {cpu:F2} cores; load average {LoadAverage()})");

    var half = peak.EventsPerSecond / 2;
    var paced = await load.RunAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(options.LatencySeconds), half, timeout.Token);
    Console.WriteLine($"at half the peak ({half.ToString("N0", CultureInfo.InvariantCulture)} events/s offered, {paced.EventsPerSecond.ToString("N0", CultureInfo.InvariantCulture)} acknowledged): " +
        $"ack latency p50 {Percentile(paced.LatenciesMs, 0.5):F2} ms, p99 {Percentile(paced.LatenciesMs, 0.99):F2} ms over {paced.LatenciesMs.Count} batches (load average {LoadAverage()})");
    if (peak.Rejected + paced.Rejected > 0)
    {
        Console.Error.WriteLine($"{peak.Rejected + paced.Rejected} events were rejected: the generator's events should all be valid.");
        return 1;
    }
    return 0;
}
finally
{
    if (ownsData && Directory.Exists(dataPath))
    {
        Directory.Delete(dataPath, recursive: true);
    }
}

// The reference is the same service with the limits it had before issue #15 item 10 (8 GiB of backlog, no bound on
// the bytes waiting for a commit or on the batches in flight, no forwarding-lag bound), in the same run.
static async Task<int> FloodAsync(BenchOptions options, string dataPath, CancellationToken cancellationToken)
{
    string[] before = ["--Ingestion:Log:MaxPendingBytes=" + long.MaxValue, "--Ingestion:Log:MaxBacklogBytes=" + (8L << 30), "--Ingestion:Log:MaxForwardingLag=00:00:00", "--Ingestion:Intake:MaxBatchesInFlight=100000"];
    Console.WriteLine($"Flood: {options.FloodConnections} connections x {options.FloodConcurrency} concurrent IngestBatch calls of 10,000 events (~3.9 MB), {options.FloodSeconds} s each, pushback ignored");
    var results = new List<(string Name, FloodResult Result)>();
    // Before: the old limits with the server GC an ASP.NET Core app got by default; now: the defaults and the GC the
    // service's project configures.
    foreach (var (name, settings, gc) in new (string, string[], bool?)[] { ("before (old limits, server GC)", before, true), ("defaults", [], null) })
    {
        var folder = dataPath + "-" + results.Count.ToString(CultureInfo.InvariantCulture);
        try
        {
            await using var service = await IngestionProcess.StartAsync(folder, settings, serverGc: gc);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var result = await FloodBench.RunAsync(service, options.FloodConnections, options.FloodConcurrency, TimeSpan.FromSeconds(options.FloodSeconds), cancellationToken);
            Console.WriteLine($"{name}: {result} (load average {LoadAverage()})");
            results.Add((name, result));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
    var growthBefore = results[0].Result.PeakRssBytes - results[0].Result.BaselineRssBytes;
    var growthNow = results[1].Result.PeakRssBytes - results[1].Result.BaselineRssBytes;
    Console.WriteLine($"peak RSS growth, defaults / old limits: {(double)growthNow / Math.Max(1, growthBefore):F2}");
    return 0;
}

static double Percentile(List<double> values, double p)
{
    if (values.Count == 0)
    {
        return double.NaN;
    }
    values.Sort();
    return values[(int)Math.Min(values.Count - 1, Math.Ceiling(p * values.Count) - 1)];
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
