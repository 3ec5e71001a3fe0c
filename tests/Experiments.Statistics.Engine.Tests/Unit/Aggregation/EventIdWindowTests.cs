using Experiments.Statistics.Engine.Aggregation;

namespace Experiments.Statistics.Engine.Tests.Unit.Aggregation;

/// <summary>
/// The window against the plainest implementation of its definition: two HashSet generations, the older dropped when
/// the newer reaches the capacity.
/// </summary>
public sealed class EventIdWindowTests
{
    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 5)]
    [InlineData(7, 20)]
    [InlineData(64, 150)]
    [InlineData(1000, 2500)]
    [InlineData(1000, 1_000_000)]
    public void Matches_a_two_generation_model_on_long_random_sequences(int capacity, int distinctIds)
    {
        var random = new Random(capacity * 7919 + distinctIds);
        // Ids from a pool: small pools repeat within the window, large ones mostly beyond it. 0 and all-ones included.
        var pool = new ulong[distinctIds];
        for (var i = 0; i < pool.Length; i++)
        {
            pool[i] = i switch { 0 => 0, 1 => ulong.MaxValue, _ => (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63) };
        }
        var window = new EventIdWindow(capacity);
        var model = new ModelWindow(capacity);
        for (var step = 0; step < 200_000; step++)
        {
            var id = pool[random.Next(pool.Length)];
            if (model.TryAdd(id) != window.TryAdd(id) || model.Count != window.Count)
            {
                Assert.Fail($"Step {step}, id {id}: the window and the model disagree.");
            }
            if (step % 9973 == 0)
            {
                AssertSameGenerations(model, window);
            }
        }
        AssertSameGenerations(model, window);
    }

    [Fact]
    public void Ids_with_the_same_slot_and_tag_are_told_apart_across_the_table_end()
    {
        // 60 ids whose probes all start at the table's last slot with one tag: every comparison falls through to the
        // full id, and the chain wraps to slot 0.
        const int capacity = 64;
        var mask = EventIdWindow.SlotsFor(capacity) - 1;
        var random = new Random(5);
        var target = (Slot: mask, Tag: (byte)0x5A);
        var colliding = new List<ulong>();
        while (colliding.Count < 60)
        {
            var id = (ulong)random.NextInt64();
            if (EventIdWindow.SlotAndTag(id, mask) == target)
            {
                colliding.Add(id);
            }
        }
        var window = new EventIdWindow(capacity);
        var model = new ModelWindow(capacity);
        foreach (var id in colliding)
        {
            Assert.True(window.TryAdd(id));
            model.TryAdd(id);
        }
        // Each seen again, in another order, then ids that share the slot but not the tag.
        foreach (var id in colliding.OrderBy(_ => random.Next()))
        {
            Assert.False(window.TryAdd(id));
        }
        for (var added = 0; added < 3;)
        {
            var id = (ulong)random.NextInt64();
            if (EventIdWindow.SlotAndTag(id, mask).Slot == mask && EventIdWindow.SlotAndTag(id, mask).Tag != target.Tag)
            {
                Assert.True(window.TryAdd(id));
                model.TryAdd(id);
                added++;
            }
        }
        AssertSameGenerations(model, window);
    }

    [Fact]
    public void Colliding_ids_in_a_tiny_window_follow_the_model_through_rotations()
    {
        // 8-slot tables with ids that share slots and tags: long probe chains in both generations, rotated constantly.
        const int capacity = 4;
        var mask = EventIdWindow.SlotsFor(capacity) - 1;
        var random = new Random(11);
        var pool = new List<ulong>();
        while (pool.Count < 24)
        {
            var id = (ulong)random.NextInt64();
            var (slot, tag) = EventIdWindow.SlotAndTag(id, mask);
            if (slot < 2 && tag < 3)
            {
                pool.Add(id);
            }
        }
        var window = new EventIdWindow(capacity);
        var model = new ModelWindow(capacity);
        for (var step = 0; step < 50_000; step++)
        {
            var id = pool[random.Next(pool.Count)];
            if (model.TryAdd(id) != window.TryAdd(id))
            {
                Assert.Fail($"Step {step}, id {id}: the window and the model disagree.");
            }
        }
        AssertSameGenerations(model, window);
    }

    [Fact]
    public void A_full_checkpoint_then_replayed_additions_restore_the_same_window()
    {
        // What the service does: a full record holds both generations, each delta the ids added since the last record.
        const int capacity = 500;
        var random = new Random(3);
        var pool = Enumerable.Range(0, 1800).Select(_ => (ulong)random.NextInt64()).ToArray();
        var live = new EventIdWindow(capacity) { TrackAdditions = true };
        for (var i = 0; i < 1700; i++)
        {
            live.TryAdd(pool[random.Next(pool.Length)]);
        }
        live.TakeAdded();
        ulong[] previous = [.. live.PreviousIds], current = [.. live.CurrentIds];
        var deltas = new List<List<ulong>>();
        for (var delta = 0; delta < 4; delta++)
        {
            for (var i = 0; i < 400; i++)
            {
                live.TryAdd(pool[random.Next(pool.Length)]);
            }
            deltas.Add(live.TakeAdded());
        }

        var restored = new EventIdWindow(capacity);
        restored.Restore(previous, current);
        foreach (var added in deltas)
        {
            foreach (var id in added)
            {
                Assert.True(restored.TryAdd(id));
            }
        }

        Assert.Equal(live.PreviousIds.Order(), restored.PreviousIds.Order());
        Assert.Equal(live.CurrentIds.Order(), restored.CurrentIds.Order());
        for (var i = 0; i < 5000; i++)
        {
            var id = pool[random.Next(pool.Length)];
            Assert.Equal(live.TryAdd(id), restored.TryAdd(id));
        }
    }

    [Fact]
    public void Restoring_more_ids_than_the_capacity_keeps_them_until_the_next_addition_rotates()
    {
        // A checkpoint written before the capacity was lowered.
        var random = new Random(8);
        var previous = Enumerable.Range(0, 300).Select(_ => (ulong)random.NextInt64()).ToArray();
        var current = Enumerable.Range(0, 250).Select(_ => (ulong)random.NextInt64()).ToArray();
        var window = new EventIdWindow(100);
        var model = new ModelWindow(100);
        window.Restore(previous, current);
        model.Restore(previous, current);
        AssertSameGenerations(model, window);
        foreach (var id in previous.Concat(current))
        {
            Assert.False(window.TryAdd(id));
        }
        for (var i = 0; i < 1000; i++)
        {
            var id = i % 3 == 0 ? current[random.Next(current.Length)] : (ulong)random.NextInt64();
            Assert.Equal(model.TryAdd(id), window.TryAdd(id));
        }
        AssertSameGenerations(model, window);
    }

    [Fact]
    public void Additions_are_tracked_in_order_and_only_when_new()
    {
        var window = new EventIdWindow(2) { TrackAdditions = true };
        foreach (var id in new ulong[] { 5, 0, 5, 9, 0, 12, 5 })
        {
            window.TryAdd(id);
        }
        // 5, 0 fill the first generation; 9 and 12 the second, and 5 is new again once its generation is gone.
        Assert.Equal([5UL, 0, 9, 12, 5], window.TakeAdded());
        Assert.Empty(window.TakeAdded());
    }

    [Fact]
    public void An_emptied_window_forgets_every_id()
    {
        var window = new EventIdWindow(10);
        for (ulong id = 1; id <= 15; id++)
        {
            window.TryAdd(id);
        }
        window.Restore([], []);
        Assert.Equal(0, window.Count);
        Assert.Empty(window.PreviousIds);
        Assert.Empty(window.CurrentIds);
        Assert.True(window.TryAdd(3));
    }

    private static void AssertSameGenerations(ModelWindow model, EventIdWindow window)
    {
        Assert.Equal(model.Previous.Order(), window.PreviousIds.Order());
        Assert.Equal(model.Current.Order(), window.CurrentIds.Order());
        Assert.Equal(model.Previous.Count, window.PreviousIds.Count);
        Assert.Equal(model.Current.Count, window.CurrentIds.Count);
    }

    private sealed class ModelWindow(int capacity)
    {
        public HashSet<ulong> Previous { get; private set; } = [];

        public HashSet<ulong> Current { get; private set; } = [];

        public int Count => Previous.Count + Current.Count;

        public bool TryAdd(ulong id)
        {
            if (Previous.Contains(id) || !Current.Add(id))
            {
                return false;
            }
            if (Current.Count >= capacity)
            {
                Previous = Current;
                Current = [];
            }
            return true;
        }

        public void Restore(IEnumerable<ulong> previous, IEnumerable<ulong> current)
        {
            Previous = [.. previous];
            Current = [.. current];
        }
    }
}
