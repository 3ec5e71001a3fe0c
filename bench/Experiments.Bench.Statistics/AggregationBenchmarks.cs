using BenchmarkDotNet.Attributes;
using Experiments.Statistics.Definitions;
using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Intake;

namespace Experiments.Bench.Statistics;

/// <summary>
/// Aggregation on one thread: 1,000,000 events (≈185,000 users of the six-KPI experiment) applied to an empty shard,
/// event-id deduplication included. The baseline, in the same run, only hashes each event's id and unit id (the
/// least any idempotent, per-unit aggregation must do), so the ratio says what the statistics cost on top. Both run
/// one invocation per iteration (Apply needs an empty shard each time), so that they share a job and BenchmarkDotNet
/// reports the ratio.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1, unrollFactor: 1)]
public class AggregationBenchmarks
{
    public const int Events = 1_000_000;
    private TelemetryEvent[] _events = null!;
    private ExperimentDefinition _definition = null!;
    private ShardAggregator _shard = null!;

    [GlobalSetup]
    public void Setup()
    {
        _definition = DefinitionMapping.ToDefinition(Workload.Definition());
        _events = [.. new Workload(1).Users(0, 400_000).Take(Events).Select(e => EventMapping.ToTelemetry(e)!.Value)];
    }

    [IterationSetup(Target = nameof(Apply))]
    public void FreshShard()
    {
        _shard = new ShardAggregator(eventIdWindow: 2 * Events);
        _shard.Define(_definition);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public ulong HashIdsOnly()
    {
        ulong acc = 0;
        foreach (ref readonly var e in _events.AsSpan())
        {
            acc += StableHash.Of(e.EventId) ^ StableHash.Of(e.UserId!);
        }
        return acc;
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public long Apply()
    {
        var shard = _shard;
        foreach (ref readonly var e in _events.AsSpan())
        {
            shard.Apply(e);
        }
        return shard.Applied;
    }
}
