using Experiments.Ingestion.Log;

namespace Experiments.Ingestion.Tests.Unit;

public sealed class DedupIndexTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_id_is_remembered_for_at_least_the_window()
    {
        var window = TimeSpan.FromMinutes(60);
        var index = new DedupIndex(window, maxEntries: 1_000_000);
        index.Add(1, T0);

        // Keep adding other ids as time passes; the first id must survive until the window has passed.
        for (var minute = 1; minute < 60; minute++)
        {
            index.Add((UInt128)(1000 + minute), T0.AddMinutes(minute));
            index.Expire(T0.AddMinutes(minute));
            Assert.True(index.Contains(1), $"forgotten after {minute} minutes");
        }
    }

    [Fact]
    public void An_id_is_forgotten_once_well_outside_the_window()
    {
        var index = new DedupIndex(TimeSpan.FromMinutes(60), maxEntries: 1_000_000);
        index.Add(1, T0);
        for (var minute = 1; minute <= 100; minute++)
        {
            index.Add((UInt128)(1000 + minute), T0.AddMinutes(minute));
        }
        index.Expire(T0.AddMinutes(100));

        Assert.False(index.Contains(1));
        Assert.True(index.Contains(1100));
    }

    [Fact]
    public void The_entry_cap_bounds_memory_and_shrinks_the_window()
    {
        var index = new DedupIndex(TimeSpan.FromHours(1), maxEntries: 1_000);
        for (var i = 0; i < 10_000; i++)
        {
            index.Add((UInt128)i, T0.AddMilliseconds(i));
        }

        Assert.True(index.Count <= 1_000, $"{index.Count} entries");
        Assert.True(index.Contains(9_999));
        Assert.False(index.Contains(0));
        Assert.True(index.EffectiveWindow < TimeSpan.FromHours(1));
    }

    [Fact]
    public void Adding_a_known_id_reports_a_duplicate_and_remove_undoes_an_add()
    {
        var index = new DedupIndex(TimeSpan.FromHours(1), 100);
        Assert.True(index.Add(5, T0));
        Assert.False(index.Add(5, T0));
        index.Remove(5);
        Assert.False(index.Contains(5));
        Assert.True(index.Add(5, T0));
    }
}
