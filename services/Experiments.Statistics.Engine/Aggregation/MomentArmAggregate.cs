using Experiments.Statistics.Engine.Means;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>One arm's per-unit values of a metric (engagement counts, per-unit means): n, Σv, Σv²; mergeable by addition.</summary>
public sealed class MomentArmAggregate
{
    /// <summary>Units with a value.</summary>
    public long Units { get; internal set; }

    /// <summary>Σ v.</summary>
    public double Sum { get; internal set; }

    /// <summary>Σ v².</summary>
    public double SumSquares { get; internal set; }

    /// <summary>Count, mean and unbiased variance of the per-unit values.</summary>
    public SampleSummary ToSummary()
    {
        if (Units == 0)
        {
            return default;
        }
        var mean = Sum / Units;
        var variance = Units > 1 ? Math.Max(0, (SumSquares - Sum * mean) / (Units - 1)) : 0;
        return new SampleSummary(Units, mean, variance);
    }

    /// <summary>Adds another shard's sums.</summary>
    public void Merge(MomentArmAggregate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Units += other.Units;
        Sum += other.Sum;
        SumSquares += other.SumSquares;
    }

    internal MomentArmAggregate Clone() => new() { Units = Units, Sum = Sum, SumSquares = SumSquares };

    internal void Write(BinaryWriter writer)
    {
        writer.Write(Units);
        writer.Write(Sum);
        writer.Write(SumSquares);
    }

    internal static MomentArmAggregate Read(BinaryReader reader) =>
        new() { Units = reader.ReadInt64(), Sum = reader.ReadDouble(), SumSquares = reader.ReadDouble() };
}
