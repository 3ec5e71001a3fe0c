using Experiments.Contracts.V1;
using Experiments.Statistics.Checkpoints;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Tests.Support;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Tests.Unit;

/// <summary>Checkpoints write the changed units only (delta records after a full one) and restore exactly.</summary>
public sealed class IncrementalCheckpointTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private string File => Path.Combine(_data.Path, "statistics.db");

    private static StatisticsShard Shard(ICheckpointStore store)
    {
        var shard = new StatisticsShard(Options.Create(new StatisticsOptions { EventIdWindow = 2_000 }), store);
        shard.MarkDefinitionsReady();
        return shard;
    }

    private static void Feed(StatisticsShard shard, IEnumerable<LoggedEvent> events)
    {
        foreach (var batch in Forwarding.Batches("log-a", 0, 1, events, 250))
        {
            shard.Apply(batch);
        }
    }

    [Fact]
    public async Task A_full_record_then_deltas_restore_the_state_an_uninterrupted_shard_holds()
    {
        var store = new RecordingCheckpointStore(new SqliteCheckpointStore(File));
        var live = Shard(store);
        live.Define(TestExperiments.SixKpis("exp-6"));
        // The window (2,000 ids a generation) rotates several times in between: replaying deltas must rotate it alike.
        var events = Forwarding.Log(new Traffic(71, "exp-6").Users(3000));
        foreach (var chunk in events.Chunk(events.Count / 6 + 1))
        {
            Feed(live, chunk);
            await live.CheckpointAsync(CancellationToken.None);
        }

        var restored = Shard(new SqliteCheckpointStore(File));
        Assert.True(await restored.RestoreAsync(CancellationToken.None));

        Assert.True(store.Saves[0].Full);
        Assert.Contains(store.Saves.Skip(1), s => !s.Full);
        Assert.Equal(live.Confirmed("log-a", 0), restored.Confirmed("log-a", 0));
        Assert.Equal(events[^1].Position, restored.Confirmed("log-a", 0));
        Assert.Equal(live.Export("exp-6")!.Value.Aggregates, restored.Export("exp-6")!.Value.Aggregates);
        // And both continue alike, duplicates of already-seen ids (under new positions) included.
        var more = Forwarding.Log(new Traffic(72, "exp-6").Users(500)).Select(e => { e.Position += events[^1].Position; return e; }).ToList();
        var replayed = events.TakeLast(300).Select((e, i) => new LoggedEvent { Position = more[^1].Position + 1 + i, Event = e.Event }).ToList();
        Feed(live, more.Concat(replayed));
        Feed(restored, more.Concat(replayed));
        Assert.Equal(live.Export("exp-6")!.Value.Aggregates, restored.Export("exp-6")!.Value.Aggregates);
    }

    [Fact]
    public async Task A_delta_holds_only_the_units_that_changed()
    {
        var store = new RecordingCheckpointStore(new SqliteCheckpointStore(File));
        var shard = Shard(store);
        shard.Define(TestExperiments.SixKpis("exp-6"));
        var traffic = new Traffic(73, "exp-6");
        var events = Forwarding.Log(traffic.Users(20_000));
        Feed(shard, events.Take(events.Count - 500));
        await shard.CheckpointAsync(CancellationToken.None);
        Feed(shard, events.TakeLast(500)); // about 100 users of 20,000

        await shard.CheckpointAsync(CancellationToken.None);
        await shard.CheckpointAsync(CancellationToken.None); // nothing changed: nothing written

        Assert.Equal(2, store.Saves.Count);
        var (full, delta) = (store.Saves[0], store.Saves[1]);
        Assert.True(full.Full);
        Assert.False(delta.Full);
        // ~0.5% of the units changed; the per-arm aggregates and new event ids come on top.
        Assert.True(delta.Bytes < full.Bytes / 10, $"delta {delta.Bytes} bytes, full {full.Bytes} bytes");
    }

    [Fact]
    public async Task After_a_failed_save_the_next_record_is_full_and_recovery_stays_exact()
    {
        var store = new RecordingCheckpointStore(new SqliteCheckpointStore(File));
        var live = Shard(store);
        live.Define(TestExperiments.Latency("exp-1"));
        var events = Forwarding.Log(new Traffic(74, "exp-1").Users(900));
        var thirds = events.Chunk(events.Count / 3 + 1).ToList();
        Feed(live, thirds[0]);
        await live.CheckpointAsync(CancellationToken.None);
        Feed(live, thirds[1]);
        store.FailNext = 1;
        var durable = live.WaitDurableAsync();
        await Assert.ThrowsAsync<IOException>(() => live.CheckpointAsync(CancellationToken.None));
        Assert.False(await durable.WaitAsync(TimeSpan.FromSeconds(10)));
        Feed(live, thirds[2]);

        await live.CheckpointAsync(CancellationToken.None);

        Assert.True(store.Saves[^1].Full);
        Assert.True(await live.WaitDurableAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        var restored = Shard(new SqliteCheckpointStore(File));
        await restored.RestoreAsync(CancellationToken.None);
        Assert.Equal(live.Export("exp-1")!.Value.Aggregates, restored.Export("exp-1")!.Value.Aggregates);
    }

    [Fact]
    public async Task Deltas_stop_growing_once_they_outweigh_the_full_record()
    {
        var store = new RecordingCheckpointStore(new SqliteCheckpointStore(File));
        var shard = Shard(store);
        shard.Define(TestExperiments.Latency("exp-1"));
        var events = Forwarding.Log(new Traffic(75, "exp-1").Users(2000));
        foreach (var chunk in events.Chunk(200))
        {
            Feed(shard, chunk);
            await shard.CheckpointAsync(CancellationToken.None);
        }

        var records = await new SqliteCheckpointStore(File).LoadAsync("statistics", CancellationToken.None);

        Assert.True(store.Saves.Count(s => s.Full) >= 2, string.Join(",", store.Saves));
        Assert.True(records!.Skip(1).Sum(r => (long)r.Length) <= records![0].Length, "the deltas kept outweigh their full record");
    }
}
