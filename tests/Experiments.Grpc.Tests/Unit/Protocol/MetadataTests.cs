namespace Experiments.Grpc.Tests.Unit.Protocol;

public sealed class MetadataTests
{
    [Fact]
    public void Keys_are_lower_cased_and_binary_keys_take_bytes()
    {
        var metadata = new Metadata().Add("X-Trace", "abc").Add("payload-bin", [0xAB, 0x00]);

        Assert.Equal("x-trace", metadata[0].Key);
        Assert.Equal("abc", metadata.GetValue("X-TRACE"));
        Assert.Equal(new byte[] { 0xAB, 0x00 }, metadata.GetValueBytes("payload-bin"));
        Assert.True(metadata[1].IsBinary);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("colon:")]
    [InlineData("unicodé")]
    public void Keys_outside_the_allowed_characters_are_refused(string key) =>
        Assert.Throws<ArgumentException>(() => new Metadata.Entry(key, "v"));

    [Fact]
    public void Ascii_values_must_be_printable_and_binary_keys_must_not_take_strings()
    {
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("k", "line\nbreak"));
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("k-bin", "text"));
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("k", [1, 2]));
    }
}
