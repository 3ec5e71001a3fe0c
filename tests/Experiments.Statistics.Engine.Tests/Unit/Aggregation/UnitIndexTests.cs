using Experiments.Statistics.Engine.Aggregation;

namespace Experiments.Statistics.Engine.Tests.Unit.Aggregation;

public sealed class UnitIndexTests
{
    [Fact]
    public void Finds_every_unit_added_and_no_other_key_through_table_growth()
    {
        // 300,000 units: the table doubles nine times, and the tags shrink by a bit each time.
        var random = new Random(4);
        var index = new UnitIndex();
        var units = new Dictionary<ulong, int>();
        while (units.Count < 300_000)
        {
            // Keys that differ only in their high bits, or only in their low bits, next to random ones.
            var key = (units.Count % 3) switch
            {
                0 => (ulong)random.NextInt64(),
                1 => (ulong)units.Count << 40,
                _ => 0xFFFF_0000_0000_0000UL | (uint)units.Count,
            };
            if (units.ContainsKey(key))
            {
                continue;
            }
            Assert.Equal(-1, index.Find(key));
            units[key] = index.Add(key);
            if (units.Count % 997 == 0)
            {
                foreach (var (known, unit) in units.Take(200))
                {
                    Assert.Equal(unit, index.Find(known));
                }
            }
        }
        Assert.Equal(units.Count, index.Count);
        foreach (var (key, unit) in units)
        {
            if (index.Find(key) != unit || index.KeyOf(unit) != key)
            {
                Assert.Fail($"Key {key:x16} is not unit {unit}.");
            }
        }
        for (var i = 0; i < 100_000; i++)
        {
            var absent = (ulong)random.NextInt64() | 1UL << 63;
            if (!units.ContainsKey(absent))
            {
                Assert.Equal(-1, index.Find(absent));
            }
        }
    }
}
