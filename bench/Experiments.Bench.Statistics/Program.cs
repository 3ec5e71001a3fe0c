using BenchmarkDotNet.Running;
using Experiments.Bench.Statistics;

// `memory`: bytes per unit per experiment. `cpu`: aggregation events per CPU-second. `freshness [batches]`: acknowledged → visible in a verdict, ingestion and
// statistics as processes. `dapr [users]`: Dapr-mode deliveries per second through the sidecar double, one by one
// against bulk. Otherwise BenchmarkDotNet: AggregationBenchmarks (events/s on one thread),
// EventIdWindowBenchmarks (the dedup window against the HashSet one it replaced) and VerdictBenchmarks (GetVerdict at
// 1,000,000 units × 6 KPIs).
return args switch
{
    ["memory", ..] => MemoryMeasurement.Run(),
    ["cpu", ..] => CpuThroughput.Run(),
    ["freshness", .. var rest] => await FreshnessMeasurement.RunAsync(rest),
    ["dapr", .. var rest] => await DaprDeliveryMeasurement.RunAsync(rest),
    _ => RunBenchmarks(args),
};

static int RunBenchmarks(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(AggregationBenchmarks).Assembly).Run(args);
    return 0;
}
