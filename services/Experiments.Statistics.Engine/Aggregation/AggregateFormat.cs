using Experiments.Statistics.Engine.Histograms;
using Experiments.Statistics.Engine.Ratios;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>Binary encoding helpers shared by the aggregates and the checkpoints.</summary>
internal static class AggregateFormat
{
    public static void Write(BinaryWriter writer, RatioMetricStatistics statistics)
    {
        writer.Write(statistics.Units);
        writer.Write(statistics.SumNumerator);
        writer.Write(statistics.SumDenominator);
        writer.Write(statistics.SumNumeratorSquares);
        writer.Write(statistics.SumDenominatorSquares);
        writer.Write(statistics.SumCrossProducts);
    }

    public static RatioMetricStatistics ReadRatio(BinaryReader reader) => new(
        reader.ReadInt64(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());

    public static void Write(BinaryWriter writer, LogHistogram histogram)
    {
        var bytes = histogram.ToBytes();
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    public static LogHistogram ReadHistogram(BinaryReader reader)
    {
        var length = reader.ReadInt32();
        return LogHistogram.FromBytes(reader.ReadBytes(length));
    }
}
