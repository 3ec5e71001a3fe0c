using Experiments.Contracts.V1;
using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Telemetry;
using Experiments.Sdk.Tests.Support;
using Experiments.Testing.Ingestion;
using Experiments.Testing.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Sdk.Tests.Integration;

/// <summary>
/// Outbound calls to a broker (HttpClient) and a market-data supplier (gRPC client), each a real Kestrel server on
/// 127.0.0.1, recorded as dependency requests of the unit being served; and the SDK's own server streams measured the same
/// way. Expected latencies come from the delays the test plants in the dependencies, not from the SDK.
/// </summary>
public sealed class DependencyTelemetryTests
{
    [Fact]
    public async Task Broker_calls_made_while_serving_a_unit_are_recorded_with_route_template_status_and_planted_latency()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ingestion = new IngestionDouble();
        await using var ingestionServer = await ingestion.StartAsync();
        await using var app = await DependencyApp.StartAsync(Options, SdkApp.Servers(ingestion: ingestionServer));

        Assert.Equal(200, await PlaceAsync(app, "/place/41?delay=120", "user-1"));
        Assert.Equal(503, await PlaceAsync(app, "/place/42?status=503", "user-2"));
        Assert.Equal(404, await PlaceAsync(app, "/place/43?status=404", "user-3"));
        // Outside any served unit: belongs to no arm, so counted and not recorded.
        Assert.Equal(200, await PlaceAsync(app, "/place/44", userId: null));

        await ingestion.WaitForAsync(events => Outbound(events).Count() >= 3, timeout.Token);
        var recorded = Outbound(ingestion.Events).ToDictionary(e => e.UserId, e => e.Request);
        Assert.Equal(["user-1", "user-2", "user-3"], recorded.Keys.Order());
        Assert.All(recorded.Values, r => Assert.Equal(("broker", "broker POST /orders/{id}", RequestMeasure.Call), (r.Dependency, r.ApiName, r.Measure)));
        Assert.Equal((200, false), (recorded["user-1"].StatusCode, recorded["user-1"].Error));
        Assert.Equal((503, true), (recorded["user-2"].StatusCode, recorded["user-2"].Error));
        Assert.Equal((404, false), (recorded["user-3"].StatusCode, recorded["user-3"].Error));
        // The broker waited 120 ms before answering user-1; the call cannot have taken less.
        Assert.InRange(recorded["user-1"].LatencyMs, 120, 120 + 5_000);
        Assert.Equal(1, Unattributed(app));

        // The inbound requests that made these calls are recorded as the app's own, under their route.
        var inbound = ingestion.Events.Where(e => e.Request is { Dependency: "" }).Select(e => e.Request.ApiName).Distinct();
        Assert.Equal(["POST /place/{id}"], inbound);
    }

    [Fact]
    public async Task An_unreachable_broker_is_recorded_as_an_error_and_the_failure_still_reaches_the_app()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ingestion = new IngestionDouble();
        await using var ingestionServer = await ingestion.StartAsync();
        await using var app = await DependencyApp.StartAsync(Options, SdkApp.Servers(ingestion: ingestionServer), brokerAddress: "http://127.0.0.1:9");

        using var response = await app.SendAsync(HttpMethod.Post, "/place/7", "user-1");
        Assert.Equal(500, (int)response.StatusCode);

        await ingestion.WaitForAsync(events => Outbound(events).Any(), timeout.Token);
        var call = Assert.Single(Outbound(ingestion.Events)).Request;
        Assert.Equal(("broker POST /orders/{id}", 503, true), (call.ApiName, call.StatusCode, call.Error));
    }

    [Fact]
    public async Task Supplier_grpc_calls_are_recorded_per_method_and_its_stream_with_first_message_count_and_planted_staleness()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ingestion = new IngestionDouble();
        await using var ingestionServer = await ingestion.StartAsync();
        await using var app = await DependencyApp.StartAsync(Options, SdkApp.Servers(ingestion: ingestionServer));

        Assert.Equal("ok", await GetAsync(app, "/echo", "user-1"));
        Assert.Equal(nameof(StatusCode.Unavailable), await GetAsync(app, "/echo?code=14", "user-2"));
        Assert.Equal("5", await GetAsync(app, "/prices?count=5&age=250", "user-3"));

        const string echo = "supplier experiments.testing.v1.EchoService/Echo";
        const string stream = "supplier experiments.testing.v1.EchoService/ExpandEcho";
        await ingestion.WaitForAsync(events => Outbound(events).Count() >= 2 + 1 + 1 + 5 && Metrics(events).Any(), timeout.Token);
        var outbound = Outbound(ingestion.Events).Select(e => (e.UserId, e.Request)).ToArray();
        Assert.All(outbound, o => Assert.Equal("supplier", o.Request.Dependency));
        // The gRPC client's HTTP/2 requests pass through the same HttpClient pipeline: recorded once, by method, never as HTTP.
        Assert.All(outbound, o => Assert.StartsWith("supplier experiments.testing.v1.EchoService/", o.Request.ApiName, StringComparison.Ordinal));
        var unary = outbound.Where(o => o.Request.ApiName == echo).ToDictionary(o => o.UserId, o => o.Request);
        Assert.Equal((0, false), (unary["user-1"].StatusCode, unary["user-1"].Error));
        Assert.Equal((14, true), (unary["user-2"].StatusCode, unary["user-2"].Error));

        var streamCall = Assert.Single(outbound, o => o.Request.ApiName == stream).Request;
        Assert.Equal((RequestMeasure.Call, 0, false), (streamCall.Measure, streamCall.StatusCode, streamCall.Error));
        var first = Assert.Single(outbound, o => o.Request.ApiName == stream + "#first-message").Request;
        Assert.Equal(RequestMeasure.FirstMessage, first.Measure);
        Assert.True(first.LatencyMs <= streamCall.LatencyMs, $"first message {first.LatencyMs} ms after a {streamCall.LatencyMs} ms stream");
        var staleness = outbound.Where(o => o.Request.ApiName == stream + "#staleness").Select(o => o.Request).ToArray();
        Assert.Equal(5, staleness.Length);
        // Each price left the supplier 250 ms after it was priced; delivery adds a little, never removes any.
        Assert.All(staleness, s => Assert.InRange(s.LatencyMs, 250, 250 + 5_000));
        Assert.All(staleness, s => Assert.Equal(RequestMeasure.Staleness, s.Measure));
        var messages = Assert.Single(Metrics(ingestion.Events), e => e.CustomMetric.MetricName == stream + "#messages");
        Assert.Equal(("user-3", 5.0), (messages.UserId, messages.CustomMetric.Value));
    }

    [Fact]
    public async Task The_apps_own_server_stream_records_its_duration_first_message_staleness_and_message_count()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ingestion = new IngestionDouble();
        await using var ingestionServer = await ingestion.StartAsync();
        await using var app = await DependencyApp.StartAsync(Options, SdkApp.Servers(ingestion: ingestionServer));
        using var channel = GrpcChannel.ForAddress(app.GrpcAddress);
        var client = new EchoService.EchoServiceClient(channel);

        using var call = client.ExpandEcho(new EchoRequest { Count = 4, DelayMs = 400 }, new Metadata { { "x-user-id", "user-9" }, { "x-client-id", "terminal/2" } });
        var received = 0;
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
            received++;
        }
        Assert.Equal(4, received);

        const string api = "experiments.testing.v1.EchoService/ExpandEcho";
        await ingestion.WaitForAsync(events => events.Count(e => e.Request?.ApiName == api + "#staleness") == 4 && Metrics(events).Any(), timeout.Token);
        var requests = ingestion.Events.Where(e => e.Request is not null).Select(e => e.Request).ToArray();
        Assert.All(requests, r => Assert.Equal(("", "terminal/2"), (r.Dependency, r.ClientId)));
        var whole = Assert.Single(requests, r => r.ApiName == api);
        Assert.Equal((RequestMeasure.Call, 0), (whole.Measure, whole.StatusCode));
        var first = Assert.Single(requests, r => r.ApiName == api + "#first-message");
        Assert.True(first.LatencyMs <= whole.LatencyMs);
        Assert.All(requests.Where(r => r.ApiName == api + "#staleness"), r => Assert.InRange(r.LatencyMs, 400, 400 + 5_000));
        Assert.Equal(4.0, Assert.Single(Metrics(ingestion.Events)).CustomMetric.Value);
    }

    [Fact]
    public async Task Unusable_ids_are_dropped_with_a_counted_reason_and_never_fail_the_request()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ingestion = new IngestionDouble();
        await using var ingestionServer = await ingestion.StartAsync();
        // The backend decodes request headers as UTF-8 (Kestrel's default refuses non-ASCII bytes outright), so bytes that are
        // not valid UTF-8 reach the SDK as U+FFFD; the caller sends raw bytes by encoding its header values as Latin-1.
        await using var app = await DependencyApp.StartAsync(options =>
        {
            Options(options);
            options.MaxIdLength = 64;
        }, SdkApp.Servers(ingestion: ingestionServer), utf8Headers: true);
        using var latin1 = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.Latin1 }) { BaseAddress = app.Client.BaseAddress };

        (string User, string? Client)[] callers =
        [
            ("good-user", "term\u0001inal"),            // a control character in the client id
            (new string('u', 65), null),                 // too long
            ("bad\u00ED\u00A0\u0080user", null),         // bytes ED A0 80: a UTF-8-encoded surrogate, not valid UTF-8
            ("tab\tuser", null),                         // a control character
            ("", null),                                  // none
        ];
        foreach (var (user, client) in callers)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/place/1");
            request.Headers.TryAddWithoutValidation("x-user-id", user);
            if (client is not null)
            {
                request.Headers.TryAddWithoutValidation("x-client-id", client);
            }
            using var response = await latin1.SendAsync(request, timeout.Token);
            Assert.Equal(200, (int)response.StatusCode);
        }

        await ingestion.WaitForAsync(events => events.Count(e => e.Request is not null) >= 2, timeout.Token);
        Assert.All(ingestion.Events, e => Assert.Equal("good-user", e.UserId));
        // The control character makes the client id unusable: the requests are recorded without it.
        Assert.All(ingestion.Events.Where(e => e.Request is not null), e => Assert.Equal("", e.Request.ClientId));
        var metrics = app.Services.GetRequiredService<ExperimentsMetrics>();
        Assert.Equal(
            (1L, 2L, 1L, 1L),
            (metrics.DroppedIds(IdKind.User, IdProblem.TooLong), metrics.DroppedIds(IdKind.User, IdProblem.Invalid),
                metrics.DroppedIds(IdKind.User, IdProblem.Missing), metrics.DroppedIds(IdKind.Client, IdProblem.Invalid)));
    }

    private static void Options(ExperimentsOptions options)
    {
        options.IngestionAddress = SdkApp.IngestionAddress;
        options.UserId = UnitIdSource.FromHeader("x-user-id");
        options.ClientId = UnitIdSource.FromHeader("x-client-id");
        options.FlushInterval = TimeSpan.FromMilliseconds(20);
    }

    private static async Task<int> PlaceAsync(DependencyApp app, string path, string? userId)
    {
        using var response = await app.SendAsync(HttpMethod.Post, path, userId);
        response.EnsureSuccessStatusCode();
        return int.Parse(await response.Content.ReadAsStringAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string> GetAsync(DependencyApp app, string path, string userId)
    {
        using var response = await app.SendAsync(HttpMethod.Get, path, userId);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    private static IEnumerable<Event> Outbound(IEnumerable<Event> events) => events.Where(e => e.Request is { Dependency.Length: > 0 });

    private static IEnumerable<Event> Metrics(IEnumerable<Event> events) => events.Where(e => e.CustomMetric is not null);

    private static long Unattributed(DependencyApp app) => app.Services.GetRequiredService<ExperimentsMetrics>().Unattributed;
}
