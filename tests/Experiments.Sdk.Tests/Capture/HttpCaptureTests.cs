using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Experiments.Contracts.V1;
using Experiments.Sdk.Tests.Support;
using Experiments.Testing;
using Experiments.Testing.Captures;
using Experiments.Testing.Ingestion;
using Google.Protobuf;

namespace Experiments.Sdk.Tests.Capture;

/// <summary>Capture of inbound HTTP requests by the SDK's middleware: JSON bodies redacted by field path, headers and query too.</summary>
public sealed class HttpCaptureTests
{
    private const string Password = "hunter2-never-to-be-captured";
    private const string CardNumber = "4111111111111111";
    private const string Cookie = "session=cookie-never-to-be-captured";

    [Fact]
    public async Task A_json_request_is_captured_with_its_configured_fields_redacted_in_both_bodies()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (captures, ingestion) = (new CapturesDouble(), new IngestionDouble());
        await using var ingestionServer = await GrpcTestServer.StartAsync([captures, ingestion]);
        await using var app = await CaptureApp.StartAsync(options =>
        {
            options.IngestionAddress = SdkApp.IngestionAddress;
            options.ClientId = UnitIdSource.FromHeader("x-client-id");
            options.Capture.Enabled = true;
            options.Capture.SampleRate = 1;
            options.Capture.FlushInterval = TimeSpan.FromMilliseconds(20);
            options.Capture.RedactFields.Add("$.password");
            options.Capture.RedactFields.Add("card.number");
            options.Capture.RedactFields.Add("$.token");
        }, ingestionServer);

        var body = new JsonObject { ["user"] = "ann", ["password"] = Password, ["card"] = new JsonObject { ["number"] = CardNumber, ["expiry"] = "12/29" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/login?password=" + Password + "&lang=en")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-user-id", "user-3");
        request.Headers.Add("x-client-id", "web");
        request.Headers.Add("cookie", Cookie);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "bearer-never-to-be-captured");
        using var response = await app.Http!.SendAsync(request, timeout.Token);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(timeout.Token))!;
        Assert.Equal("session-token-of-ann", (string?)answer["token"]);
        await captures.WaitForAsync(e => e.Count == 1, timeout.Token);

        foreach (var bytes in captures.Requests.Select(r => r.ToByteArray()))
        {
            foreach (var secret in new[] { Password, CardNumber, "cookie-never-to-be-captured", "bearer-never-to-be-captured", "session-token-of-ann" })
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"a captured request holds '{secret}'");
            }
        }
        var exchange = Assert.Single(captures.Exchanges);
        Assert.Equal((CaptureProtocol.Http, "POST /login", "POST", "/login?password={{redacted}}&lang=en", 200, "web", "user-3"),
            (exchange.Protocol, exchange.ApiName, exchange.HttpMethod, exchange.Path, exchange.StatusCode, exchange.ClientId, exchange.UnitId));
        Assert.Equal(["header:authorization", "header:cookie", "request:$.card.number", "request:$.password", "request:password", "response:$.token"],
            exchange.Redactions.Order(StringComparer.Ordinal));

        var sent = Assert.Single(exchange.RequestMessages);
        var recorded = JsonNode.Parse(sent.Text)!;
        Assert.Equal(("ann", "{{redacted}}", "{{redacted}}", "12/29"),
            ((string?)recorded["user"], (string?)recorded["password"], (string?)recorded["card"]!["number"], (string?)recorded["card"]!["expiry"]));
        Assert.Equal(sent.Text, sent.Payload.ToStringUtf8());
        Assert.StartsWith("application/json", sent.TypeName, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetByteCount(body.ToJsonString()), sent.SizeBytes);

        var answered = JsonNode.Parse(Assert.Single(exchange.ResponseMessages).Text)!;
        Assert.Equal(("ann", "{{redacted}}"), ((string?)answered["user"], (string?)answered["token"]));
        Assert.Contains(exchange.RequestHeaders, h => h.Name == "cookie" && h.Value == "{{redacted}}");
        Assert.Contains(exchange.ResponseHeaders, h => h.Name == "content-type" && h.Value.StartsWith("application/json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_json_body_past_the_cap_is_withheld_rather_than_recorded_unredacted()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (captures, ingestion) = (new CapturesDouble(), new IngestionDouble());
        await using var ingestionServer = await GrpcTestServer.StartAsync([captures, ingestion]);
        await using var app = await CaptureApp.StartAsync(options =>
        {
            options.IngestionAddress = SdkApp.IngestionAddress;
            options.Capture.Enabled = true;
            options.Capture.SampleRate = 1;
            options.Capture.MaxExchangeBytes = 256;
            options.Capture.FlushInterval = TimeSpan.FromMilliseconds(20);
            options.Capture.RedactFields.Add("$.password");
        }, ingestionServer);

        // The secret comes after the cap: a cut document cannot be parsed, so its fields cannot be found and redacted.
        var body = new JsonObject { ["user"] = "ann", ["notes"] = new string('x', 1000), ["password"] = Password };
        using var response = await app.Http!.PostAsync("/login", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), timeout.Token);
        response.EnsureSuccessStatusCode();
        await captures.WaitForAsync(e => e.Count == 1, timeout.Token);

        var exchange = Assert.Single(captures.Exchanges);
        var sent = Assert.Single(exchange.RequestMessages);
        Assert.Equal((true, 0, "", Encoding.UTF8.GetByteCount(body.ToJsonString())), (sent.Truncated, sent.Payload.Length, sent.Text, sent.SizeBytes));
        Assert.True(exchange.Truncated);
        Assert.Contains("request:$", exchange.Redactions);
        Assert.True(Assert.Single(captures.Requests).ToByteArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(Password)) < 0);
    }

    [Fact]
    public async Task A_streamed_response_still_streams_while_captured()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (captures, ingestion) = (new CapturesDouble(), new IngestionDouble());
        await using var ingestionServer = await GrpcTestServer.StartAsync([captures, ingestion]);
        await using var app = await CaptureApp.StartAsync(options =>
        {
            options.IngestionAddress = SdkApp.IngestionAddress;
            options.Capture.Enabled = true;
            options.Capture.SampleRate = 1;
            options.Capture.FlushInterval = TimeSpan.FromMilliseconds(20);
        }, ingestionServer);

        using var response = await app.Http!.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        // The first chunk arrives while the handler still waits to write the second: capture holds nothing back.
        var first = new byte["first,".Length];
        await body.ReadExactlyAsync(first, timeout.Token);
        Assert.Equal("first,", Encoding.UTF8.GetString(first));
        app.SecondChunk.TrySetResult();
        Assert.Equal("second", await new StreamReader(body).ReadToEndAsync(timeout.Token));
        await captures.WaitForAsync(e => e.Count == 1, timeout.Token);

        var exchange = Assert.Single(captures.Exchanges);
        Assert.Equal(("GET /stream", 200), (exchange.ApiName, exchange.StatusCode));
        var recorded = Assert.Single(exchange.ResponseMessages);
        Assert.Equal(("first,second", "first,second", 12), (recorded.Text, recorded.Payload.ToStringUtf8(), recorded.SizeBytes));
        Assert.Empty(exchange.RequestMessages);
    }
}
