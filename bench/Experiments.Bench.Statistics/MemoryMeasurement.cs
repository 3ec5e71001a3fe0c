using System.Globalization;
using Experiments.Statistics.Definitions;
using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Intake;

namespace Experiments.Bench.Statistics;

/// <summary>
/// Memory per unit per experiment: the managed heap retained by one six-KPI experiment's state after N users (full
/// GCs before and after; the shard's event-id window is emptied first, as it is per shard and bounded, not per unit),
/// next to the engine's own account of its per-unit arrays.
/// </summary>
internal static class MemoryMeasurement
{
    public static int Run()
    {
        var definition = DefinitionMapping.ToDefinition(Workload.Definition());
        foreach (var units in new[] { 100_000, 1_000_000 })
        {
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var shard = new ShardAggregator();
            var experiment = shard.Define(definition);
            foreach (var e in new Workload(3).Users(0, units))
            {
                shard.Apply(EventMapping.ToTelemetry(e)!.Value);
            }
            shard.EventIds.Restore([], []);
            var after = GC.GetTotalMemory(forceFullCollection: true);
            var retained = (double)(after - before) / experiment.Units;
            var accounted = (double)experiment.UnitStateBytes / experiment.Units;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{experiment.Units:N0} units, 6 KPIs: {retained:F1} bytes/unit retained on the heap (GC), {accounted:F1} bytes/unit in per-unit arrays (engine account); target <= 128"));
            GC.KeepAlive(shard);
        }
        return 0;
    }
}
