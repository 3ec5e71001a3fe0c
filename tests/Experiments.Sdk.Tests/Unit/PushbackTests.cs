using Experiments.Sdk.Telemetry;
using Grpc.Core;

namespace Experiments.Sdk.Tests.Unit;

/// <summary>grpc/proposal A6 (client retries): a non-negative integer is a delay in ms; anything else means do not retry.</summary>
public sealed class PushbackTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("250", 250)]
    [InlineData("-1", -1)]
    [InlineData("soon", -1)]
    [InlineData("1.5", -1)]
    public void Pushback_trailer_is_read_as_grpc_specifies(string value, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), TelemetrySender.Pushback(new Metadata { { "grpc-retry-pushback-ms", value } }));

    [Fact]
    public void No_pushback_trailer_means_the_clients_own_backoff() =>
        Assert.Null(TelemetrySender.Pushback(new Metadata()));
}
