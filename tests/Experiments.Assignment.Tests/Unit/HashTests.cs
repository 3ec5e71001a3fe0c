using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Experiments.Assignment.Evaluation;

namespace Experiments.Assignment.Tests.Unit;

public sealed class HashTests
{
    [Fact]
    public void Managed_SHA256_prefix_equals_the_platform_SHA256_for_every_length_up_to_three_blocks()
    {
        var random = new Random(20240611);
        for (var length = 0; length <= 200; length++)
        {
            for (var trial = 0; trial < 20; trial++)
            {
                var message = new byte[length];
                random.NextBytes(message);
                var expected = BitConverter.ToUInt32(SHA256.HashData(message), 0);
                Assert.Equal(expected, Sha256Prefix.FirstUInt32(message));
                Assert.Equal(expected, Sha256Prefix.FirstUInt32Managed(message));
            }
        }
    }

    [Fact]
    public void OpenSSL_block_function_is_used_on_Linux()
    {
        // libcrypto.so.3 is a dependency of .NET's own cryptography on Linux, so the fast path should be there.
        Assert.Equal(OperatingSystem.IsLinux(), Sha256Prefix.UsesNativeBlockFunction);
    }

    [Fact]
    public void Managed_SHA256_matches_the_FIPS_180_2_abc_example()
    {
        // FIPS 180-2, appendix B.1: SHA-256("abc") = ba7816bf 8f01cfea ...
        var first = Sha256Prefix.FirstUInt32Managed("abc"u8);
        var bytes = new byte[4];
        BitConverter.TryWriteBytes(bytes, first);
        Assert.Equal(0xba7816bfu, BinaryPrimitives.ReadUInt32BigEndian(bytes));
    }

    [Theory]
    [InlineData("user-1")]
    [InlineData("")]
    [InlineData("usér-ü-ß")]
    [InlineData("emoji-🙂-𝄞")]
    [InlineData("lone-\ud800-surrogate")]
    [InlineData("lone-low-\udc00")]
    [InlineData("日本語のユーザー")]
    public void Precomputed_salt_position_equals_the_plain_UTF8_computation(string unit)
    {
        foreach (var salt in new[] { "layer\ncheckout", "rollout\nseed", "" })
        {
            Assert.Equal(UnitHash.PositionReference(salt, unit), UnitHash.Position(UnitHash.SaltState(salt), unit));
        }
    }

    [Fact]
    public void Positions_agree_with_plain_computation_on_random_strings()
    {
        var random = new Random(7);
        for (var i = 0; i < 10_000; i++)
        {
            var chars = new char[random.Next(0, 40)];
            for (var c = 0; c < chars.Length; c++)
            {
                chars[c] = (char)random.Next(0, 0x10000);
            }
            var unit = new string(chars);
            Assert.Equal(UnitHash.PositionReference("holdout\nh", unit), UnitHash.Position(UnitHash.SaltState("holdout\nh"), unit));
        }
        Assert.Equal(Encoding.UTF8.GetBytes("\ud800"), new byte[] { 0xEF, 0xBF, 0xBD });
    }

    [Fact]
    public void Thresholds_are_monotonic_and_cover_the_whole_space_at_100_percent()
    {
        Assert.Equal(0UL, UnitHash.Threshold(0));
        Assert.Equal(UnitHash.Scale, UnitHash.Threshold(100));
        var previous = 0UL;
        for (var p = 0.0; p <= 100; p += 0.125)
        {
            var threshold = UnitHash.Threshold(p);
            Assert.True(threshold >= previous);
            previous = threshold;
        }
    }
}
