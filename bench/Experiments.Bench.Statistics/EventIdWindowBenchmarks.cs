using BenchmarkDotNet.Attributes;
using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Intake;

namespace Experiments.Bench.Statistics;

/// <summary>
/// The event-id window alone: the 1,000,000 event ids of <see cref="AggregationBenchmarks"/> (hashed beforehand) into
/// an empty window, against the HashSet window it replaced in the same run. At a capacity of 2,000,000 (the shard's
/// in AggregationBenchmarks) no generation fills; at 250,000 the window rotates four times and, from the first
/// rotation on, every id is looked up in both generations, as in a shard that has been running for a while.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1, unrollFactor: 1)]
public class EventIdWindowBenchmarks
{
    private ulong[] _ids = null!;
    private EventIdWindow _window = null!;
    private HashSetEventIdWindow _hashSetWindow = null!;

    [Params(250_000, 2 * AggregationBenchmarks.Events)]
    public int Capacity { get; set; }

    [GlobalSetup]
    public void Setup() =>
        _ids = [.. new Workload(1).Users(0, 400_000).Take(AggregationBenchmarks.Events).Select(e => StableHash.Of(EventMapping.ToTelemetry(e)!.Value.EventId))];

    [IterationSetup]
    public void EmptyWindows()
    {
        _window = new EventIdWindow(Capacity);
        _hashSetWindow = new HashSetEventIdWindow(Capacity);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = AggregationBenchmarks.Events)]
    public int HashSetWindow()
    {
        var added = 0;
        foreach (var id in _ids)
        {
            added += _hashSetWindow.TryAdd(id) ? 1 : 0;
        }
        return added;
    }

    [Benchmark(OperationsPerInvoke = AggregationBenchmarks.Events)]
    public int TableWindow()
    {
        var added = 0;
        foreach (var id in _ids)
        {
            added += _window.TryAdd(id) ? 1 : 0;
        }
        return added;
    }
}
