using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Experiments.Assignment.Evaluation;

/// <summary>
/// SHA-256 (FIPS 180-4) of a short message, returning only what Microsoft.FeatureManagement's percentile
/// allocation reads from it: <c>BitConverter.ToUInt32(hash, 0)</c>. Allocation-free, on the stack. The platform's
/// SHA256 class costs 0.4–3 µs per call here (context set-up dominates for messages this short), so the block
/// function is called directly: OpenSSL's <c>SHA256_Transform</c>, which uses the CPU's SHA extensions (~50 ns a
/// block), when libcrypto.so.3 is loaded and passes a known-answer check at start-up; otherwise a managed
/// implementation (~300 ns a block). Both are checked against System.Security.Cryptography.SHA256 in the tests.
/// </summary>
public static unsafe class Sha256Prefix
{
    private static readonly delegate* unmanaged[SuppressGCTransition]<uint*, byte*, void> NativeTransform = LoadNativeTransform();

    private static ReadOnlySpan<uint> K =>
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>True when OpenSSL's block function is used (and passed its known-answer check).</summary>
    public static bool UsesNativeBlockFunction => NativeTransform != null;

    /// <summary>The first four bytes of SHA-256(<paramref name="message"/>) read as <c>BitConverter.ToUInt32</c> does.</summary>
    public static uint FirstUInt32(ReadOnlySpan<byte> message) => Hash(message, NativeTransform);

    /// <summary>The same, always with the managed block function (for tests and platforms without libcrypto).</summary>
    public static uint FirstUInt32Managed(ReadOnlySpan<byte> message) => Hash(message, null);

    [SkipLocalsInit]
    private static uint Hash(ReadOnlySpan<byte> message, delegate* unmanaged[SuppressGCTransition]<uint*, byte*, void> native)
    {
        // Laid out as OpenSSL's SHA256_CTX (h[8] first; 112 bytes in all), whose block function reads and writes h only.
        var context = stackalloc uint[28];
        context[0] = 0x6a09e667;
        context[1] = 0xbb67ae85;
        context[2] = 0x3c6ef372;
        context[3] = 0xa54ff53a;
        context[4] = 0x510e527f;
        context[5] = 0x9b05688c;
        context[6] = 0x1f83d9ab;
        context[7] = 0x5be0cd19;
        var schedule = stackalloc uint[64];
        // Padding: 0x80, zeros, then the message length in bits (big-endian) in the last 8 bytes; one or two blocks.
        var tail = stackalloc byte[128];
        fixed (byte* start = message)
        {
            var fullBlocks = message.Length / 64;
            for (var i = 0; i < fullBlocks; i++)
            {
                Block(context, start + i * 64, schedule, native);
            }
            var remaining = message.Length - fullBlocks * 64;
            new Span<byte>(tail, 128).Clear();
            message[(fullBlocks * 64)..].CopyTo(new Span<byte>(tail, 128));
            tail[remaining] = 0x80;
            var tailLength = remaining + 9 <= 64 ? 64 : 128;
            BinaryPrimitives.WriteUInt64BigEndian(new Span<byte>(tail + tailLength - 8, 8), (ulong)message.Length * 8);
            Block(context, tail, schedule, native);
            if (tailLength == 128)
            {
                Block(context, tail + 64, schedule, native);
            }
        }
        // The digest is H0..H7 big-endian; BitConverter reads its first four bytes in machine order.
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(context[0]) : context[0];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block(uint* state, byte* block, uint* w, delegate* unmanaged[SuppressGCTransition]<uint*, byte*, void> native)
    {
        if (native != null)
        {
            native(state, block);
        }
        else
        {
            Compress(state, block, w);
        }
    }

    private static void Compress(uint* state, byte* block, uint* w)
    {
        for (var i = 0; i < 16; i++)
        {
            w[i] = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(block + i * 4, 4));
        }
        for (var i = 16; i < 64; i++)
        {
            var w15 = w[i - 15];
            var w2 = w[i - 2];
            var s0 = uint.RotateRight(w15, 7) ^ uint.RotateRight(w15, 18) ^ (w15 >> 3);
            var s1 = uint.RotateRight(w2, 17) ^ uint.RotateRight(w2, 19) ^ (w2 >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
        ref var k = ref MemoryMarshal.GetReference(K);
        for (var i = 0; i < 64; i++)
        {
            var t1 = h + (uint.RotateRight(e, 6) ^ uint.RotateRight(e, 11) ^ uint.RotateRight(e, 25)) + ((e & f) ^ (~e & g)) + Unsafe.Add(ref k, i) + w[i];
            var t2 = (uint.RotateRight(a, 2) ^ uint.RotateRight(a, 13) ^ uint.RotateRight(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }

    /// <summary>OpenSSL 3's SHA256_Transform, if present and correct on the FIPS 180-2 "abc" example; else null.</summary>
    private static delegate* unmanaged[SuppressGCTransition]<uint*, byte*, void> LoadNativeTransform()
    {
        if (!OperatingSystem.IsLinux()
            || !NativeLibrary.TryLoad("libcrypto.so.3", typeof(Sha256Prefix).Assembly, DllImportSearchPath.SafeDirectories, out var library)
            || !NativeLibrary.TryGetExport(library, "SHA256_Transform", out var export))
        {
            return null;
        }
        var transform = (delegate* unmanaged[SuppressGCTransition]<uint*, byte*, void>)export;
        // FIPS 180-2, appendix B.1: SHA-256("abc") begins ba7816bf.
        return Hash("abc"u8, transform) == Hash("abc"u8, null) && Hash("abc"u8, null) == BinaryPrimitives.ReverseEndianness(0xba7816bfu)
            ? transform
            : null;
    }
}
