using System.Text;
using Experiments.Contracts.V1;

namespace Experiments.Ingestion.Tests.Support;

/// <summary>
/// The partition of an event, computed without the service's code: its unit is user_id, else session_id, else
/// request_id (protos/experiments/v1/statistics_intake.proto), hashed with MurmurHash3_x64_128, seed 0, over
/// the UTF-8 bytes, and the first 64-bit half of the result taken modulo the partition count. Statistics does
/// not hash units itself: it trusts ForwardRequest.partition, so this is the definition both sides agree on.
/// The hash is written from Austin Appleby's reference C++ (MurmurHash3.cpp) and checked against the values
/// mmh3 publishes (<see cref="Unit.PartitioningTests"/>).
/// </summary>
internal static class ReferencePartitioning
{
    public static int Of(Event e, int partitionCount)
    {
        var unit = e.UserId != "" ? e.UserId : e.SessionId != "" ? e.SessionId : e.RequestId;
        return (int)(Murmur3X64First64(Encoding.UTF8.GetBytes(unit), 0) % (ulong)partitionCount);
    }

    /// <summary>h1 of MurmurHash3_x64_128: what mmh3.hash64 returns first, and the first 8 bytes (little-endian) of the digest.</summary>
    public static ulong Murmur3X64First64(byte[] data, uint seed)
    {
        const ulong c1 = 0x87c37b91114253d5;
        const ulong c2 = 0x4cf5ad432745937f;
        ulong h1 = seed;
        ulong h2 = seed;
        var blocks = data.Length / 16;
        for (var i = 0; i < blocks; i++)
        {
            var k1 = Block(data, i * 16);
            var k2 = Block(data, (i * 16) + 8);
            k1 *= c1;
            k1 = Rotl(k1, 31);
            k1 *= c2;
            h1 ^= k1;
            h1 = Rotl(h1, 27);
            h1 += h2;
            h1 = (h1 * 5) + 0x52dce729;
            k2 *= c2;
            k2 = Rotl(k2, 33);
            k2 *= c1;
            h2 ^= k2;
            h2 = Rotl(h2, 31);
            h2 += h1;
            h2 = (h2 * 5) + 0x38495ab5;
        }
        var tail = blocks * 16;
        var rest = data.Length & 15;
        ulong t1 = 0, t2 = 0;
        for (var i = 8; i < rest; i++)
        {
            t2 ^= (ulong)data[tail + i] << ((i - 8) * 8);
        }
        if (rest > 8)
        {
            t2 *= c2;
            t2 = Rotl(t2, 33);
            t2 *= c1;
            h2 ^= t2;
        }
        for (var i = 0; i < rest && i < 8; i++)
        {
            t1 ^= (ulong)data[tail + i] << (i * 8);
        }
        if (rest > 0)
        {
            t1 *= c1;
            t1 = Rotl(t1, 31);
            t1 *= c2;
            h1 ^= t1;
        }
        h1 ^= (ulong)data.Length;
        h2 ^= (ulong)data.Length;
        h1 += h2;
        h2 += h1;
        h1 = Fmix(h1);
        h2 = Fmix(h2);
        h1 += h2;
        return h1;
    }

    private static ulong Block(byte[] data, int offset)
    {
        ulong k = 0;
        for (var b = 7; b >= 0; b--)
        {
            k = (k << 8) | data[offset + b];
        }
        return k;
    }

    private static ulong Rotl(ulong x, int r) => (x << r) | (x >> (64 - r));

    private static ulong Fmix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccd;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53;
        k ^= k >> 33;
        return k;
    }
}
