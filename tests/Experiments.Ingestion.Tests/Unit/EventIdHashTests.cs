using System.Text;
using Experiments.Ingestion.Log;

namespace Experiments.Ingestion.Tests.Unit;

public sealed class EventIdHashTests
{
    // Reference values of MurmurHash3_x64_128 (Appleby's reference implementation), printed as its 16
    // output bytes: h1 then h2, each little-endian.
    [Theory]
    [InlineData("", 0UL, "00000000000000000000000000000000")]
    [InlineData("The quick brown fox jumps over the lazy dog", 0UL, "6c1b07bc7bbc4be347939ac4a93c437a")]
    public void Murmur3_matches_the_reference_implementation(string input, ulong seed, string expectedHex)
    {
        var hash = EventIdHash.Murmur3(Encoding.UTF8.GetBytes(input), seed);

        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128LittleEndian(bytes, hash);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void Every_tail_length_hashes_differently()
    {
        var seen = new HashSet<UInt128>();
        var text = new StringBuilder();
        for (var length = 0; length < 40; length++)
        {
            Assert.True(seen.Add(EventIdHash.Of(text.ToString(), 42)), $"length {length} collided");
            text.Append((char)('a' + (length % 26)));
        }
    }

    [Fact]
    public void The_seed_changes_the_hash() =>
        Assert.NotEqual(EventIdHash.Of("event-1", 1), EventIdHash.Of("event-1", 2));
}
