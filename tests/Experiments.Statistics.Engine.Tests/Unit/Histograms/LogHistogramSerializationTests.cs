using System.Buffers;
using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Tests.Unit.Histograms;

public sealed class LogHistogramSerializationTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(100_000)]
    public void Round_trip_restores_every_bucket_count_and_the_exact_min_and_max(int n)
    {
        var random = new Random(n);
        var histogram = LatencySamples.ToHistogram(LatencySamples.LogNormal(random, n, 3, 2));
        histogram.Add(0, 2);
        histogram.Add(9e6);

        var restored = LogHistogram.FromBytes(histogram.ToBytes());

        LogHistogramMergeTests.AssertSame(histogram, restored);
    }

    [Fact]
    public void Empty_histogram_round_trips()
    {
        var restored = LogHistogram.FromBytes(new LogHistogram().ToBytes());
        Assert.Equal(0, restored.Count);
        Assert.Empty(restored.GetBuckets());
    }

    [Fact]
    public void Byte_form_is_compact()
    {
        // A per-unit histogram with a handful of requests: header 28 bytes + ~3 bytes per bucket.
        var unit = new LogHistogram();
        foreach (var value in new[] { 12.0, 13.1, 55.0, 250.0 })
        {
            unit.Add(value);
        }
        Assert.True(unit.ToBytes().Length <= 40, $"{unit.ToBytes().Length} bytes");

        // A full arm of 10^5 requests: bounded by the number of buckets, not of requests.
        var arm = LatencySamples.ToHistogram(LatencySamples.LogNormal(new Random(3), 100_000, 3, 1));
        Assert.True(arm.ToBytes().Length < 5 * arm.GetBuckets().Count + 40);
    }

    [Fact]
    public void WriteTo_a_buffer_writer_gives_the_same_bytes()
    {
        var histogram = LatencySamples.ToHistogram(LatencySamples.Bimodal(new Random(9), 5_000));
        var writer = new ArrayBufferWriter<byte>();
        writer.Write(new byte[] { 0xAA }); // something already in the checkpoint
        histogram.WriteTo(writer);
        Assert.Equal(histogram.ToBytes(), writer.WrittenSpan[1..].ToArray());
    }

    public static TheoryData<string, byte[]> Corruptions()
    {
        var histogram = new LogHistogram();
        histogram.Add(3.5, 4);
        histogram.Add(40);
        var good = histogram.ToBytes();
        byte[] With(int index, byte value)
        {
            var copy = (byte[])good.Clone();
            copy[index] = value;
            return copy;
        }
        return new TheoryData<string, byte[]>
        {
            { "empty input", [] },
            { "unknown version", With(0, 2) },
            { "another mapping", With(1, 36) },
            { "truncated", good[..^1] },
            { "trailing bytes", [.. good, 0] },
            { "count does not match buckets", With(2, 6) },
            { "min outside its bucket", MinOutsideItsBucket(good) },
            { "unterminated varint", [1, 35, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] },
        };
    }

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Corrupt_bytes_are_rejected(string corruption, byte[] bytes)
    {
        var error = Assert.Throws<FormatException>(() => LogHistogram.FromBytes(bytes));
        Assert.False(string.IsNullOrEmpty(error.Message), corruption);
    }

    private static byte[] MinOutsideItsBucket(byte[] good)
    {
        var copy = (byte[])good.Clone();
        // Layout: version, mapping, count (1 byte here), then min as little-endian IEEE-754.
        BitConverter.GetBytes(3.9).CopyTo(copy, 3);
        return copy;
    }
}
