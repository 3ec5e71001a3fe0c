using Experiments.Statistics.Engine.Proportions;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>
/// One arm's day-N retention: exposed and retained units by the hour of their first exposure, so that the units
/// eligible at any moment (exposed at least N + 1 days earlier, their day N complete) can be summed.
/// </summary>
public sealed class RetentionArmAggregate
{
    private readonly SortedDictionary<long, (long Units, long Retained)> _byHour = [];

    internal void AddUnit(long exposureHour) => Update(exposureHour, 1, 0);

    internal void AddRetained(long exposureHour) => Update(exposureHour, 0, 1);

    /// <summary>Retained out of eligible units: those whose exposure hour ended at least N + 1 days before <paramref name="asOfUnixSeconds"/>.</summary>
    public BinomialCounts Eligible(int day, long asOfUnixSeconds)
    {
        var lastHour = (asOfUnixSeconds - (day + 1) * 86_400L) / 3600 - 1;
        long units = 0, retained = 0;
        foreach (var (hour, counts) in _byHour)
        {
            if (hour > lastHour)
            {
                break;
            }
            units += counts.Units;
            retained += counts.Retained;
        }
        return new BinomialCounts(retained, units);
    }

    /// <summary>Adds another shard's counts.</summary>
    public void Merge(RetentionArmAggregate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (hour, counts) in other._byHour)
        {
            Update(hour, counts.Units, counts.Retained);
        }
    }

    internal RetentionArmAggregate Clone()
    {
        var clone = new RetentionArmAggregate();
        clone.Merge(this);
        return clone;
    }

    internal void Write(BinaryWriter writer)
    {
        writer.Write(_byHour.Count);
        foreach (var (hour, counts) in _byHour)
        {
            writer.Write(hour);
            writer.Write(counts.Units);
            writer.Write(counts.Retained);
        }
    }

    internal static RetentionArmAggregate Read(BinaryReader reader)
    {
        var arm = new RetentionArmAggregate();
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            arm.Update(reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64());
        }
        return arm;
    }

    private void Update(long hour, long units, long retained)
    {
        _byHour.TryGetValue(hour, out var counts);
        _byHour[hour] = (counts.Units + units, counts.Retained + retained);
    }
}
