using Experiments.Statistics.Checkpoints;
using Experiments.Statistics.Engine.Verdicts;
using Experiments.Statistics.Tests.Support;
using Experiments.Statistics.Verdicts;
using Microsoft.Extensions.Logging.Abstractions;

namespace Experiments.Statistics.Tests.Unit;

/// <summary>The decisions verdicts keep (first breach, first SHIP) live in the checkpoint file, not only in the process.</summary>
public sealed class DecisionMemoryTests : IDisposable
{
    private static readonly GuardrailBreach Breach = new("orders-p99", "new-router", new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero),
        "orders-p99: always-valid 95% CI +233% to +439% lies beyond the +20% tolerance");

    private static readonly ShipDecision Ship = new("new-router", new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero),
        "orders-p50: -9.8% (always-valid 95% CI -12.1% to -7.4%)");

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private string File => Path.Combine(_data.Path, "statistics.db");

    private static DecisionMemory Memory(ICheckpointStore store) => new(store, "decisions", NullLogger.Instance);

    [Fact]
    public async Task A_new_process_reads_the_decisions_an_earlier_one_kept_and_the_first_of_each_stays()
    {
        var first = Memory(new SqliteCheckpointStore(File));
        Assert.Equal(DecisionMemory.Standing.None, await first.OfAsync("exp-1", default));
        await first.RememberAsync("exp-1", null, Ship, default);
        await first.RememberAsync("exp-1", Breach, Ship with { AsOfTime = Ship.AsOfTime.AddHours(1) }, default);
        await first.RememberAsync("exp-2", null, null, default);

        var restarted = Memory(new SqliteCheckpointStore(File));
        var kept = await restarted.OfAsync("exp-1", default);

        Assert.Equal(Breach, kept.Breach);
        Assert.Equal(Ship, kept.Ship);
        Assert.Equal(DecisionMemory.Standing.None, await restarted.OfAsync("exp-2", default));
        // A later breach does not replace the first one, in the process or in the file.
        await restarted.RememberAsync("exp-1", Breach with { MetricKey = "orders-errors" }, null, default);
        Assert.Equal("orders-p99", (await Memory(new SqliteCheckpointStore(File)).OfAsync("exp-1", default)).Breach?.MetricKey);
    }

    [Fact]
    public async Task A_decision_the_store_refused_is_kept_in_memory_and_saved_at_the_next_verdict()
    {
        var store = new RecordingCheckpointStore(new SqliteCheckpointStore(File)) { FailNext = 1 };
        var memory = Memory(store);
        await memory.OfAsync("exp-1", default);

        await memory.RememberAsync("exp-1", Breach, null, default);
        Assert.Equal(Breach, (await memory.OfAsync("exp-1", default)).Breach);
        Assert.Null((await Memory(new SqliteCheckpointStore(File)).OfAsync("exp-1", default)).Breach);

        await memory.RememberAsync("exp-1", null, null, default);
        Assert.Equal(Breach, (await Memory(new SqliteCheckpointStore(File)).OfAsync("exp-1", default)).Breach);
    }

    [Fact]
    public async Task Kept_decisions_and_the_shard_checkpoint_live_side_by_side_in_one_file()
    {
        var store = new SqliteCheckpointStore(File);
        await store.SaveAsync("statistics", 7, [1, 2, 3], full: true, default);
        await Memory(store).RememberAsync("exp-1", Breach, null, default);

        Assert.Equal([1, 2, 3], Assert.Single((await store.LoadAsync("statistics", default))!));
        Assert.Equal(Breach, (await Memory(new SqliteCheckpointStore(File)).OfAsync("exp-1", default)).Breach);
    }
}
