using Experiments.Grpc.Protocol;

namespace Experiments.Grpc.Tests.Unit.Protocol;

public sealed class GrpcTimeoutTests
{
    public static TheoryData<string, TimeSpan> ValidHeaders => new()
    {
        { "1H", TimeSpan.FromHours(1) },
        { "2M", TimeSpan.FromMinutes(2) },
        { "3S", TimeSpan.FromSeconds(3) },
        { "100m", TimeSpan.FromMilliseconds(100) },
        { "250u", TimeSpan.FromMicroseconds(250) },
        { "99999999n", TimeSpan.FromTicks(999_999) },
    };

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void Parses_every_unit_of_the_spec(string header, TimeSpan expected)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(expected, timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("123456789S")]
    [InlineData("-5S")]
    [InlineData("1.5S")]
    public void Refuses_what_the_spec_does_not_allow(string header) =>
        Assert.False(GrpcTimeout.TryParse(header, out _));

    [Theory]
    [InlineData(1)]
    [InlineData(999)]
    [InlineData(100_000)]
    [InlineData(86_400_000)]
    public void Formats_at_most_eight_digits_and_never_shortens_the_deadline(long milliseconds)
    {
        var timeout = TimeSpan.FromMilliseconds(milliseconds);
        var header = GrpcTimeout.Format(timeout);

        Assert.InRange(header.Length, 2, 9);
        Assert.True(GrpcTimeout.TryParse(header, out var parsed));
        Assert.True(parsed >= timeout, $"{header} is shorter than {timeout}");
    }
}
