using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Experiments.Ingestion.Log;

/// <summary>
/// 128-bit MurmurHash3 (x64 variant) of event ids, the key of the deduplication index. 128 bits make an
/// accidental collision (which would drop a real event as a duplicate) negligible at any volume; a per-log
/// random seed keeps callers from crafting ids that collide with someone else's.
/// </summary>
internal static class EventIdHash
{
    private const ulong C1 = 0x87c37b91114253d5UL;
    private const ulong C2 = 0x4cf5ad432745937fUL;

    public static UInt128 Of(string eventId, ulong seed)
    {
        var max = Encoding.UTF8.GetMaxByteCount(eventId.Length);
        Span<byte> buffer = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(eventId, buffer);
        return Murmur3(buffer[..length], seed);
    }

    public static UInt128 Murmur3(ReadOnlySpan<byte> data, ulong seed)
    {
        ulong h1 = seed, h2 = seed;
        var length = data.Length;
        var blocks = data;
        while (blocks.Length >= 16)
        {
            var k1 = BinaryPrimitives.ReadUInt64LittleEndian(blocks);
            var k2 = BinaryPrimitives.ReadUInt64LittleEndian(blocks[8..]);
            blocks = blocks[16..];
            h1 ^= MixK1(k1);
            h1 = BitOperations.RotateLeft(h1, 27) + h2;
            h1 = (h1 * 5) + 0x52dce729;
            h2 ^= MixK2(k2);
            h2 = BitOperations.RotateLeft(h2, 31) + h1;
            h2 = (h2 * 5) + 0x38495ab5;
        }
        ulong t1 = 0, t2 = 0;
        var tail = blocks;
        for (var i = tail.Length - 1; i >= 8; i--)
        {
            t2 = (t2 << 8) | tail[i];
        }
        for (var i = Math.Min(tail.Length, 8) - 1; i >= 0; i--)
        {
            t1 = (t1 << 8) | tail[i];
        }
        if (tail.Length > 8)
        {
            h2 ^= MixK2(t2);
        }
        if (tail.Length > 0)
        {
            h1 ^= MixK1(t1);
        }
        h1 ^= (ulong)length;
        h2 ^= (ulong)length;
        h1 += h2;
        h2 += h1;
        h1 = FMix(h1);
        h2 = FMix(h2);
        h1 += h2;
        h2 += h1;
        return new UInt128(h2, h1);
    }

    private static ulong MixK1(ulong k) => BitOperations.RotateLeft(k * C1, 31) * C2;

    private static ulong MixK2(ulong k) => BitOperations.RotateLeft(k * C2, 33) * C1;

    private static ulong FMix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdUL;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53UL;
        k ^= k >> 33;
        return k;
    }
}
