using System.Runtime.CompilerServices;
using System.Text;

namespace Experiments.Assignment.Evaluation;

/// <summary>
/// The position of a unit in a salted hash space, for the parts of assignment that are ours (holdout, layer,
/// rollout): FNV-1a over the UTF-8 bytes of <c>"{salt}\n{unit}"</c>, finished with MurmurHash3's fmix64 so every
/// output bit depends on every input bit, keeping the top 53 bits. A position is compared with
/// <see cref="Threshold"/> of a percentage, so a unit below 10% is also below 50% (monotonic ramp-up).
/// The salt's share of the hash is computed once per definition; the unit's bytes are hashed without allocating.
/// </summary>
public static class UnitHash
{
    /// <summary>Positions lie in [0, Scale).</summary>
    public const ulong Scale = 1UL << 53;

    private const ulong FnvOffsetBasis = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>The hash state after <c>"{salt}\n"</c>.</summary>
    public static ulong SaltState(string salt)
    {
        var state = Append(FnvOffsetBasis, salt);
        return Step(state, (byte)'\n');
    }

    /// <summary>The unit's position for a salt prepared by <see cref="SaltState"/>.</summary>
    public static ulong Position(ulong saltState, ReadOnlySpan<char> unit) => Finish(Append(saltState, unit)) >> 11;

    /// <summary>The same position computed the plain way (string concatenation, Encoding.UTF8); the reference for tests and the FeatureManagement filter.</summary>
    public static ulong PositionReference(string salt, string unit)
    {
        var state = FnvOffsetBasis;
        foreach (var b in Encoding.UTF8.GetBytes(salt + "\n" + unit))
        {
            state = Step(state, b);
        }
        return Finish(state) >> 11;
    }

    /// <summary>The first position not inside <paramref name="percent"/>% of the space: 0 for 0%, <see cref="Scale"/> for 100%.</summary>
    public static ulong Threshold(double percent) =>
        percent <= 0 ? 0 : percent >= 100 ? Scale : (ulong)(percent / 100 * Scale);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Step(ulong state, byte value) => (state ^ value) * FnvPrime;

    /// <summary>Hashes the UTF-8 encoding of <paramref name="text"/> (lone surrogates as U+FFFD, like Encoding.UTF8).</summary>
    private static ulong Append(ulong state, ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            int c = text[i];
            if (c < 0x80)
            {
                state = Step(state, (byte)c);
            }
            else if (c < 0x800)
            {
                state = Step(Step(state, (byte)(0xC0 | (c >> 6))), (byte)(0x80 | (c & 0x3F)));
            }
            else if (char.IsHighSurrogate((char)c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var codePoint = char.ConvertToUtf32((char)c, text[++i]);
                state = Step(state, (byte)(0xF0 | (codePoint >> 18)));
                state = Step(state, (byte)(0x80 | ((codePoint >> 12) & 0x3F)));
                state = Step(state, (byte)(0x80 | ((codePoint >> 6) & 0x3F)));
                state = Step(state, (byte)(0x80 | (codePoint & 0x3F)));
            }
            else
            {
                if (char.IsSurrogate((char)c))
                {
                    c = 0xFFFD;
                }
                state = Step(state, (byte)(0xE0 | (c >> 12)));
                state = Step(state, (byte)(0x80 | ((c >> 6) & 0x3F)));
                state = Step(state, (byte)(0x80 | (c & 0x3F)));
            }
        }
        return state;
    }

    /// <summary>MurmurHash3's 64-bit finalizer (a bijection with full avalanche).</summary>
    private static ulong Finish(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}
