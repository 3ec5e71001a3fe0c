using System.Numerics;
using System.Runtime.InteropServices;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>
/// A 64-bit hash of a string that is the same in every process and run (string.GetHashCode is randomized), so
/// unit and event ids can be kept as hashes in checkpoints and across shards.
/// </summary>
/// <remarks>
/// Keeping 8-byte hashes instead of the ids is what keeps per-unit state small. Two distinct ids collide with
/// probability 2⁻⁶⁴ per pair: about 3·10⁻⁸ among 10⁶ units of one experiment, 3·10⁻⁶ among 10⁷ event ids.
/// The mixing is wyhash's 64×64→128 multiply-fold over the UTF-16 code units, 8 bytes at a time.
/// </remarks>
public static class StableHash
{
    private const ulong Seed = 0xa0761d6478bd642fUL;
    private const ulong Prime1 = 0xe7037ed1a0b428dbUL;
    private const ulong Prime2 = 0x8ebc6af09c88c6e3UL;

    /// <summary>The hash of <paramref name="value"/>; never 0 (0 marks an empty slot).</summary>
    public static ulong Of(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = MemoryMarshal.AsBytes(value.AsSpan());
        var h = Seed ^ (ulong)bytes.Length;
        var longs = MemoryMarshal.Cast<byte, ulong>(bytes);
        var i = 0;
        for (; i + 1 < longs.Length; i += 2)
        {
            h = Mix(longs[i] ^ Prime1, longs[i + 1] ^ h);
        }
        ulong tail = 0;
        if (i < longs.Length)
        {
            tail = longs[i];
        }
        var rest = bytes[(longs.Length * 8)..];
        ulong last = 0;
        for (var j = 0; j < rest.Length; j++)
        {
            last |= (ulong)rest[j] << (8 * j);
        }
        h = Mix(tail ^ Prime1 ^ h, last ^ Prime2);
        h = Mix(h ^ Prime1, (ulong)bytes.Length ^ Prime2);
        return h == 0 ? 1 : h;
    }

    private static ulong Mix(ulong a, ulong b)
    {
        var high = Math.BigMul(a, b, out var low);
        return high ^ low ^ BitOperations.RotateLeft(high, 17);
    }
}
