using System.Buffers;
using System.Buffers.Binary;

namespace Experiments.Statistics.Engine.Histograms;

/// <summary>
/// The checkpoint byte form of a <see cref="LogHistogram"/>. Canonical — equal histograms give equal bytes — and
/// compact: only non-empty buckets, each as a varint gap from the previous one and a varint count.
/// </summary>
/// <remarks>
/// Layout: version (1 byte) · buckets per octave (1 byte; a different mapping must never be merged) · count
/// (varint) · if count &gt; 0: min and max (IEEE-754 little endian, 8 bytes each) · number of non-empty buckets
/// (varint) · per bucket: slot gap (varint; slot = index + 1, gap from the previous slot + 1) and count (varint).
/// </remarks>
internal static class LogHistogramFormat
{
    private const byte Version = 1;

    public static void Write(LogHistogram histogram, IBufferWriter<byte> writer)
    {
        var buckets = 0;
        foreach (var _ in histogram.Slots())
        {
            buckets++;
        }
        var maxLength = 2 + 10 + 16 + 10 + buckets * 20;
        var span = writer.GetSpan(maxLength);
        var at = 0;
        span[at++] = Version;
        span[at++] = LogBucketMapping.BucketsPerOctave;
        at += WriteVarint(span[at..], (ulong)histogram.Count);
        if (histogram.Count > 0)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(span[at..], histogram.Min);
            BinaryPrimitives.WriteDoubleLittleEndian(span[(at + 8)..], histogram.Max);
            at += 16;
            at += WriteVarint(span[at..], (ulong)buckets);
            var next = 0;
            foreach (var (slot, count) in histogram.Slots())
            {
                at += WriteVarint(span[at..], (ulong)(slot - next));
                at += WriteVarint(span[at..], (ulong)count);
                next = slot + 1;
            }
        }
        writer.Advance(at);
    }

    public static LogHistogram Read(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        if (bytes.Length < 2 || bytes[0] != Version)
        {
            throw new FormatException("Not a log histogram of format version " + Version + ".");
        }
        if (bytes[1] != LogBucketMapping.BucketsPerOctave)
        {
            throw new FormatException($"The histogram uses {bytes[1]} buckets per octave; this build uses {LogBucketMapping.BucketsPerOctave}.");
        }
        at = 2;
        var total = ReadCount(bytes, ref at, "count");
        if (total == 0)
        {
            ExpectEnd(bytes, at);
            return new LogHistogram();
        }
        if (bytes.Length - at < 16)
        {
            throw new FormatException("Truncated histogram: min and max are missing.");
        }
        var min = BinaryPrimitives.ReadDoubleLittleEndian(bytes[at..]);
        var max = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(at + 8)..]);
        at += 16;
        if (!(min >= 0 && min <= max && double.IsFinite(max)))
        {
            throw new FormatException("Invalid histogram min/max.");
        }
        var buckets = ReadCount(bytes, ref at, "bucket count");
        if (buckets is 0 or > BucketStore.SlotCount)
        {
            throw new FormatException("Invalid number of histogram buckets.");
        }
        var store = new BucketStore();
        long sum = 0;
        var next = 0;
        int first = -1, last = -1;
        for (var i = 0; i < buckets; i++)
        {
            var gap = ReadCount(bytes, ref at, "bucket gap");
            var count = ReadCount(bytes, ref at, "bucket count");
            if (gap >= BucketStore.SlotCount - next || count == 0)
            {
                throw new FormatException("Invalid histogram bucket.");
            }
            var slot = next + (int)gap;
            store.Add(slot, count);
            sum = sum + count < sum ? throw new FormatException("Histogram counts overflow.") : sum + count;
            next = slot + 1;
            first = first < 0 ? slot : first;
            last = slot;
        }
        ExpectEnd(bytes, at);
        if (sum != total)
        {
            throw new FormatException("Histogram bucket counts do not add up to its count.");
        }
        // The exact min and max must lie in the first and last non-empty buckets.
        if (LogBucketMapping.IndexOf(min) + 1 != first || LogBucketMapping.IndexOf(max) + 1 != last)
        {
            throw new FormatException("Histogram min/max do not match its buckets.");
        }
        return LogHistogram.FromParts(store, total, min, max);
    }

    private static int WriteVarint(Span<byte> span, ulong value)
    {
        var at = 0;
        while (value >= 0x80)
        {
            span[at++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[at++] = (byte)value;
        return at;
    }

    private static long ReadCount(ReadOnlySpan<byte> bytes, ref int at, string what)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= bytes.Length)
            {
                throw new FormatException($"Truncated histogram: {what} is cut off.");
            }
            var b = bytes[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                if (value > long.MaxValue || (shift == 63 && b > 1))
                {
                    break;
                }
                return (long)value;
            }
        }
        throw new FormatException($"Invalid histogram {what}: not a non-negative 64-bit varint.");
    }

    private static void ExpectEnd(ReadOnlySpan<byte> bytes, int at)
    {
        if (at != bytes.Length)
        {
            throw new FormatException("Unexpected bytes after the histogram.");
        }
    }
}
