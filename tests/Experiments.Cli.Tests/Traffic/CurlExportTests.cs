using System.Text;
using Experiments.Clients.Traffic;
using Experiments.Contracts.V1;
using Google.Protobuf;

namespace Experiments.Cli.Tests.Traffic;

/// <summary>
/// The exported curl commands run by a real shell and the real curl (/usr/bin/curl) against a real Kestrel app on
/// loopback: the app must receive the recorded method, path, headers and body, with the secret taken from the
/// environment.
/// </summary>
public sealed class CurlExportTests
{
    [Fact]
    public async Task An_http2_post_arrives_with_its_recorded_method_path_headers_and_body_and_the_secret_from_the_environment()
    {
        await using var app = await RecordingHttpApp.StartAsync();
        var exchange = SampleExchanges.HttpPost();
        var command = CurlExport.Command(exchange, ExportTarget.For(new Uri(app.Http2Url)));

        var (code, _, stderr) = await Shell(command, new() { ["AUTHORIZATION"] = "Bearer s3cret with 'quotes' and $dollar" });

        Assert.True(code == 0, stderr);
        var received = Assert.Single(app.Received);
        Assert.Equal("POST", received.Method);
        Assert.Equal("/v1/orders?account=42&dry_run=true", received.PathAndQuery);
        Assert.Equal("HTTP/2", received.Protocol);
        Assert.Equal(Encoding.UTF8.GetBytes(SampleExchanges.TrickyBody), received.Body);
        Assert.Equal("Bearer s3cret with 'quotes' and $dollar", received.Headers["authorization"]);
        Assert.Equal("it's a \"test\" $PATH", received.Headers["x-trace-note"]);
        Assert.Equal("mobile-app", received.Headers["x-client-id"]);
        Assert.Equal("application/json", received.Headers["content-type"]);
    }

    [Fact]
    public async Task A_script_of_http1_and_http2_requests_replays_them_in_order_and_skips_grpc_calls()
    {
        await using var app = await RecordingHttpApp.StartAsync();
        var port1 = new Uri(app.Http1Url).Authority;
        var port2 = new Uri(app.Http2Url).Authority;
        // Recorded against the app's own addresses: no target, the recorded authority is used.
        CapturedExchange[] exchanges = [SampleExchanges.HttpGet(port1), SampleExchanges.GrpcUnary(), SampleExchanges.HttpPost(port2)];
        var script = CurlExport.Script(exchanges, ExportTarget.Recorded);

        var (code, _, stderr) = await Shell(script, new() { ["AUTHORIZATION"] = "Bearer a", ["X_API_KEY"] = "key-123" });

        Assert.True(code == 0, stderr);
        var received = app.Received.ToArray();
        Assert.Equal(2, received.Length);
        Assert.Equal(("GET", "/v1/portfolio/42?currency=EUR", "HTTP/1.1"), (received[0].Method, received[0].PathAndQuery, received[0].Protocol));
        Assert.Equal("key-123", received[0].Headers["x-api-key"]);
        Assert.Empty(received[0].Body);
        Assert.Equal(("POST", "HTTP/2"), (received[1].Method, received[1].Protocol));
        Assert.Contains("export X_API_KEY=", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_binary_body_arrives_byte_for_byte()
    {
        await using var app = await RecordingHttpApp.StartAsync();
        var exchange = SampleExchanges.HttpGet(new Uri(app.Http1Url).Authority);
        exchange.HttpMethod = "PUT";
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).Concat("'\"$`\\\n"u8.ToArray()).ToArray();
        exchange.RequestMessages.Add(new CapturedMessage { Payload = ByteString.CopyFrom(bytes), TypeName = "application/octet-stream", SizeBytes = bytes.Length });

        var (code, _, stderr) = await Shell(CurlExport.Command(exchange, ExportTarget.Recorded), new() { ["X_API_KEY"] = "k" });

        Assert.True(code == 0, stderr);
        var received = Assert.Single(app.Received);
        Assert.Equal("PUT", received.Method);
        Assert.Equal(bytes, received.Body);
    }

    /// <summary>Runs a script with /bin/sh; curl's own config file (CURL_HOME) makes it fail on an HTTP error and bounds it in time.</summary>
    private static async Task<(int, string, string)> Shell(string script, Dictionary<string, string> environment)
    {
        var curlHome = Path.Combine(Path.GetTempPath(), "exp-curl-home-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(curlHome);
        await File.WriteAllTextAsync(Path.Combine(curlHome, ".curlrc"), "fail\nsilent\nshow-error\nmax-time = 20\n");
        try
        {
            environment["CURL_HOME"] = curlHome;
            return await ExternalProcess.RunAsync("/bin/sh", ["-c", "set -e\n" + script], environment, timeout: TimeSpan.FromSeconds(60));
        }
        finally
        {
            Directory.Delete(curlHome, recursive: true);
        }
    }
}
