using Experiments.Cli.Tests.Traffic;
using Experiments.Clients.Traffic;

namespace Experiments.Cli.Tests.Unit.Traffic;

public sealed class ExportTargetTests
{
    [Theory]
    [InlineData("orders:8080", null, "orders:8080", "http://orders:8080/v1/portfolio/42?currency=EUR")]
    [InlineData("orders", null, "orders:80", "http://orders/v1/portfolio/42?currency=EUR")]
    [InlineData("[::1]:5001", null, "[::1]:5001", "http://[::1]:5001/v1/portfolio/42?currency=EUR")]
    [InlineData("[::1]", "https://[::1]/", "[::1]:443", "https://[::1]/v1/portfolio/42?currency=EUR")]
    [InlineData("orders:8080", "https://staging.example/api/", "staging.example:443", "https://staging.example/api/v1/portfolio/42?currency=EUR")]
    [InlineData("orders:8080", "http://127.0.0.1:9000", "127.0.0.1:9000", "http://127.0.0.1:9000/v1/portfolio/42?currency=EUR")]
    public void A_target_replaces_the_recorded_authority_and_a_missing_port_is_the_schemes(string recorded, string? target, string hostAndPort, string url)
    {
        var exchange = SampleExchanges.HttpGet(recorded);
        var exportTarget = target is null ? ExportTarget.Recorded : ExportTarget.For(new Uri(target));

        Assert.Equal(hostAndPort, exportTarget.HostAndPort(exchange));
        Assert.Equal(url, exportTarget.Url(exchange));
    }

    [Theory]
    [InlineData("authorization", "authorization", "AUTHORIZATION")]
    [InlineData("x-api-key", "x_api_key", "X_API_KEY")]
    [InlineData("1password", "h_1password", "H_1PASSWORD")]
    public void Redacted_headers_become_postman_and_shell_variables(string header, string postman, string shell)
    {
        Assert.Equal(postman, RedactedValues.PostmanVariable(header));
        Assert.Equal(shell, RedactedValues.ShellVariable(header));
    }
}
