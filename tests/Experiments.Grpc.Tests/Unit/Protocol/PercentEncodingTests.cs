using Experiments.Grpc.Protocol;

namespace Experiments.Grpc.Tests.Unit.Protocol;

public sealed class PercentEncodingTests
{
    [Theory]
    [InlineData("plain message", "plain message")]
    [InlineData("100%", "100%25")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("smile \u263A", "smile %E2%98%BA")]
    [InlineData("devil \U0001F608", "devil %F0%9F%98%88")]
    public void Bytes_outside_printable_ascii_and_percent_are_escaped_as_utf8(string message, string wire)
    {
        Assert.Equal(wire, PercentEncoding.Encode(message));
        Assert.Equal(message, PercentEncoding.Decode(wire));
    }

    [Theory]
    [InlineData("%", "%")]
    [InlineData("50%x", "50%x")]
    [InlineData("%4", "%4")]
    public void Malformed_escapes_are_kept_rather_than_rejected(string wire, string message) =>
        Assert.Equal(message, PercentEncoding.Decode(wire));
}
