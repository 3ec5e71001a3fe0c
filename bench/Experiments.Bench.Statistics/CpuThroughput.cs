using System.Diagnostics;
using System.Globalization;
using Experiments.Statistics.Definitions;
using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Intake;

namespace Experiments.Bench.Statistics;

/// <summary>
/// Aggregation events per CPU-second on one thread: 1,000,000 events into an empty shard, timed by this process's CPU
/// time (GC included) as well as by the wall clock, with the bytes allocated per event. On a shared, loaded machine the
/// wall clock mostly measures waiting for a core; CPU time is what one dedicated core would give (less the cache
/// interference of neighbours).
/// </summary>
internal static class CpuThroughput
{
    public static int Run()
    {
        var definition = DefinitionMapping.ToDefinition(Workload.Definition());
        var events = new Workload(1).Users(0, 400_000).Take(AggregationBenchmarks.Events).Select(e => EventMapping.ToTelemetry(e)!.Value).ToArray();
        using var process = Process.GetCurrentProcess();
        for (var round = 0; round < 6; round++)
        {
            var shard = new ShardAggregator(eventIdWindow: 2 * events.Length);
            shard.Define(definition);
            GC.Collect();
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var wall = Stopwatch.StartNew();
            foreach (ref readonly var e in events.AsSpan())
            {
                shard.Apply(e);
            }
            wall.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            process.Refresh();
            var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
            if (round >= 2)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round - 1}: {events.Length / cpuSeconds / 1e6:F2} M events per CPU-second, {events.Length / wall.Elapsed.TotalSeconds / 1e6:F2} M events/s wall, {(double)allocated / events.Length:F0} B allocated per event ({shard.Applied:N0} applied); load average {LoadAverage()}"));
            }
        }
        return 0;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
