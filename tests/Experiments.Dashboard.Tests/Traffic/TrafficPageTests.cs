using System.Globalization;
using System.Net;
using System.Text.Json;
using Experiments.Contracts.V1;
using Experiments.Dashboard.Tests.Support;
using Google.Protobuf;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Experiments.Dashboard.Tests.Traffic;

/// <summary>
/// The traffic page in a real headless Chromium, against the statistics service as a real process whose dashboard reads
/// the report built in <see cref="SampleTraffic"/> from a Captures double: clients in the report's order with its figures,
/// the selected client's endpoints, rate, next calls, shapes and departures, and the time range and service reaching the
/// report's filter. Expected texts are the report's values as a person writes them (8% → "8.0%", 456.7 ms → "457 ms").
/// </summary>
public sealed class TrafficPageTests(OpenTrafficDashboard fixture, ITestOutputHelper output) : IClassFixture<OpenTrafficDashboard>, IAsyncLifetime
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(30);
    private readonly List<IBrowserContext> _contexts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
    }

    [ChromiumFact]
    public async Task Clients_are_listed_in_the_report_order_with_the_figures_it_holds()
    {
        var before = DateTimeOffset.UtcNow;
        var (page, errors) = await OpenAsync("/traffic");
        var rows = page.Locator("#clients tr[data-client]");
        await rows.Nth(3).WaitForAsync();
        var after = DateTimeOffset.UtcNow;

        Assert.Equal(fixture.Report.Clients.Select(c => c.ClientId), await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.client)"));
        var expected = new (string Client, string Calls, string Units, string CallShare, string SlowestShare, string ErrorShare, string Departures)[]
        {
            ("mobile-ios-7.2", "1,000", "310", "8.0%", "46.0%", "3.1%", "⚠ 2 departures"),
            ("partner-batch", "2,750", "4", "22.0%", "31.0%", "0.0%", "⚠ 1 departure"),
            ("web-frontend", "6,875", "950", "55.0%", "17.0%", "0.4%", "–"),
            ("internal-cron", "1,875", "1", "15.0%", "6.0%", "0.0%", "–"),
        };
        foreach (var (client, calls, units, callShare, slowestShare, errorShare, departures) in expected)
        {
            var row = page.Locator($"#clients tr[data-client='{client}']");
            Assert.Equal(calls, await Field(row, "calls"));
            Assert.Equal(units, await Field(row, "units"));
            Assert.Equal(callShare, await Field(row, "call-share"));
            Assert.Equal(slowestShare, await Field(row, "slowest-share"));
            Assert.Equal(errorShare, await Field(row, "error-share"));
            Assert.Equal(departures, await Field(row, "departures"));
        }
        // The bar pair draws both shares to one scale, so the over-represented client stands out.
        var mobile = fixture.Report.Clients[0];
        var row0 = page.Locator("#clients tr[data-client='mobile-ios-7.2']");
        Assert.Equal(mobile.CallShare, await FilledAsync(row0.Locator(".share-calls .bar")), 2);
        Assert.Equal(mobile.SlowestShare, await FilledAsync(row0.Locator(".share-slowest .bar")), 2);
        Assert.StartsWith("12,500 calls from 4 clients", await page.Locator(".traffic-summary").InnerTextAsync(), StringComparison.Ordinal);

        // The first client is selected; the dashboard asked ingestion for the last hour of every service, with its key.
        Assert.Equal("mobile-ios-7.2", await page.Locator("#client").GetAttributeAsync("data-client"));
        var received = fixture.Ingestion!.Received<GetTrafficReportRequest>()[^1];
        Assert.Equal("Bearer " + TrafficDashboard.IngestionKey, received.Authorization);
        Assert.Equal("", received.Request.Filter.ServiceName);
        AssertStartsAbout(received.Request.Filter, before - TimeSpan.FromHours(1), after - TimeSpan.FromHours(1));
        Assert.Equal("page", await page.Locator(".topnav a[data-page='traffic']").GetAttributeAsync("aria-current"));

        output.WriteLine(await TrafficDashboard.ScreenshotAsync(page, "traffic-laptop"));
        await page.SetViewportSizeAsync(390, 844);
        output.WriteLine(await TrafficDashboard.ScreenshotAsync(page, "traffic-phone"));
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [ChromiumFact]
    public async Task Selecting_a_client_shows_its_departures_endpoints_rate_next_calls_and_shapes()
    {
        var (page, errors) = await OpenAsync("/traffic");
        await page.Locator("#clients tr[data-client]").Nth(3).WaitForAsync();

        await page.Locator("#clients tr[data-client='partner-batch'] button").ClickAsync();
        await page.Locator("#client[data-client='partner-batch']").WaitForAsync();
        var departure = page.Locator("#client .departure-list li");
        Assert.Equal(1, await departure.CountAsync());
        Assert.Equal("USAGE_DEPARTURE_KIND_DEPRECATED", await departure.GetAttributeAsync("data-kind"));
        Assert.Contains("Deprecated endpoint", await departure.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("still calls a deprecated endpoint", await departure.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("client=partner-batch", page.Url, StringComparison.Ordinal);
        Assert.Equal("true", await page.Locator("#clients tr[data-client='partner-batch'] button").GetAttributeAsync("aria-pressed"));

        await page.Locator("#clients tr[data-client='web-frontend'] button").ClickAsync();
        await page.Locator("#client[data-client='web-frontend']").WaitForAsync();
        Assert.Equal("None: this client calls as intended.", await page.Locator("#client [data-departures-none]").InnerTextAsync());

        await page.Locator("#clients tr[data-client='mobile-ios-7.2'] button").ClickAsync();
        await page.Locator("#client[data-client='mobile-ios-7.2']").WaitForAsync();
        var departures = page.Locator("#client .departure-list li");
        Assert.Equal(2, await departures.CountAsync());
        Assert.Equal("USAGE_DEPARTURE_KIND_RATE_EXCEEDED", await departures.Nth(0).GetAttributeAsync("data-kind"));
        Assert.Equal("Rate limit exceeded", await departures.Nth(0).Locator(".departure-kind").InnerTextAsync());
        Assert.Equal(SampleTraffic.GetQuote, await departures.Nth(0).Locator("code").InnerTextAsync());
        Assert.Equal("590 calls", await departures.Nth(0).Locator(".departure-count").InnerTextAsync());
        Assert.Equal("peaked at 650 calls/min against a limit of 60", await departures.Nth(0).Locator(".departure-detail").InnerTextAsync());
        Assert.Equal("USAGE_DEPARTURE_KIND_OUT_OF_ORDER", await departures.Nth(1).GetAttributeAsync("data-kind"));
        Assert.Equal("Out of order", await departures.Nth(1).Locator(".departure-kind").InnerTextAsync());
        Assert.Equal("17 calls", await departures.Nth(1).Locator(".departure-count").InnerTextAsync());

        // Its endpoints: share of its calls, errors, p50 and p99.
        var quote = page.Locator($"#client table.client-endpoints tr[data-api='{SampleTraffic.GetQuote}']");
        Assert.Equal(["700", "70.0%", "12", "12.3 ms", "457 ms", "48"], await FieldsAsync(quote, "calls", "share", "errors", "p50", "p99", "slow"));
        var order = page.Locator($"#client table.client-endpoints tr[data-api='{SampleTraffic.PlaceOrder}']");
        Assert.Equal(["300", "30.0%", "19", "41.3 ms", "1.23 s", "9"], await FieldsAsync(order, "calls", "share", "errors", "p50", "p99", "slow"));

        // Its rate: one bar per bucket, oldest first, as tall as its count.
        var bars = page.Locator("#client svg.rate rect.rate-bar");
        Assert.Equal(["10", "650", "340", "0"], await bars.EvaluateAllAsync<string[]>("bars => bars.map(b => b.dataset.count)"));
        var heights = await bars.EvaluateAllAsync<double[]>("bars => bars.map(b => Number(b.getAttribute('height')))");
        Assert.Equal(10.0 / 650, heights[0] / heights[1], 2);
        Assert.Equal(340.0 / 650, heights[2] / heights[1], 2);
        Assert.Equal(0, heights[3]);

        // The most common next call after each call, the end of a sequence named as such.
        var next = page.Locator("#client table.traffic-transitions tbody tr");
        Assert.Equal(2, await next.CountAsync());
        Assert.Equal(SampleTraffic.PlaceOrder, await next.Nth(0).GetAttributeAsync("data-to"));
        Assert.Equal(["200", "28.6%"], await FieldsAsync(next.Nth(0), "count", "share"));
        Assert.Contains("the sequence ends", await next.Nth(1).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(["280", "93.3%"], await FieldsAsync(next.Nth(1), "count", "share"));

        // Payload and header shapes.
        var shape = page.Locator($"#client .shape[data-api='{SampleTraffic.GetQuote}']");
        Assert.Equal(["48 B typical, 2.0 KB at most", "1.5 KB typical, 3.3 MB at most"], await FieldsAsync(shape, "request-bytes", "response-bytes"));
        Assert.Equal(["symbol 100%", "venue 25%"], await PresenceAsync(shape.Locator(".presence-fields li")));
        Assert.Equal(["authorization 100%", "x-client-version 90%"], await PresenceAsync(shape.Locator(".presence-headers li")));

        // Every endpoint over all clients, with the threshold of its slowest calls.
        var all = page.Locator($"#endpoints tr[data-api='{SampleTraffic.PlaceOrder}']");
        Assert.Equal(["2,500", "20.0%", "31", "35.2 ms", "880 ms", "880 ms", "25"], await FieldsAsync(all, "calls", "share", "errors", "p50", "p99", "slow-threshold", "slow"));

        output.WriteLine(await TrafficDashboard.ScreenshotAsync(page, "traffic-client-laptop"));
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [ChromiumFact]
    public async Task The_time_range_and_the_service_go_into_the_report_filter()
    {
        var (page, errors) = await OpenAsync("/traffic");
        await page.Locator("#clients tr[data-client]").First.WaitForAsync();
        var requests = fixture.Ingestion!.Received<GetTrafficReportRequest>;

        foreach (var (range, length) in new[] { ("15m", TimeSpan.FromMinutes(15)), ("24h", TimeSpan.FromHours(24)), ("1h", TimeSpan.FromHours(1)) })
        {
            var count = requests().Count;
            var before = DateTimeOffset.UtcNow;
            await page.Locator($"button[data-range='{range}']").ClickAsync();
            await page.WaitForFunctionAsync($"() => document.querySelector(\"button[data-range='{range}']\").getAttribute('aria-pressed') === 'true' && document.querySelector('main').dataset.loading === 'false'");
            var after = DateTimeOffset.UtcNow;
            Assert.True(requests().Count > count, $"choosing {range} asked ingestion nothing");
            AssertStartsAbout(requests()[^1].Request.Filter, before - length, after - length);
            Assert.Contains("since=" + range, page.Url, StringComparison.Ordinal);
        }

        // Refresh asks again for the same range.
        var asked = requests().Count;
        await page.Locator("button[data-focus='refresh']").ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('main').dataset.loading === 'false'");
        Assert.True(requests().Count > asked, "Refresh asked ingestion nothing");
        Assert.Equal("true", await page.Locator("button[data-range='1h']").GetAttributeAsync("aria-pressed"));

        await page.Locator("#traffic-service").FillAsync("quiet-backend");
        await page.Locator("#traffic-service").PressAsync("Enter");
        await page.Locator("[data-traffic-empty]").WaitForAsync();
        Assert.Equal("quiet-backend", requests()[^1].Request.Filter.ServiceName);
        Assert.Contains("service=quiet-backend", page.Url, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#client").Locator("h2").CountAsync());

        // A link names the service and range; a refusal of ingestion is a note with its status, not a broken page.
        await page.GotoAsync(fixture.DashboardAddress + "/traffic?service=forbidden-backend&since=15m");
        var note = await page.Locator("[data-traffic-note]").InnerTextAsync();
        Assert.Contains("PermissionDenied", note, StringComparison.Ordinal);
        Assert.Contains("capture scope", note, StringComparison.Ordinal);
        Assert.Equal("true", await page.Locator("button[data-range='15m']").GetAttributeAsync("aria-pressed"));
        Assert.Equal("forbidden-backend", await page.Locator("#traffic-service").InputValueAsync());
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [Fact]
    public async Task Api_traffic_is_the_report_in_the_protobuf_json_mapping()
    {
        using var client = new HttpClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync(fixture.DashboardAddress + "/api/traffic?since=24h&service=" + SampleTraffic.Service));
        var report = JsonParser.Default.Parse<TrafficReport>(document.RootElement.GetProperty("report").GetRawText());
        Assert.Equal(fixture.Report, report);
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("note").ValueKind);
        Assert.Equal("24h", document.RootElement.GetProperty("since").GetString());
        Assert.Equal(SampleTraffic.Service, fixture.Ingestion!.Received<GetTrafficReportRequest>()[^1].Request.Filter.ServiceName);

        foreach (var since in new[] { "2w", "0m", "h", "31d", "-5m" })
        {
            using var response = await client.GetAsync(fixture.DashboardAddress + "/api/traffic?since=" + Uri.EscapeDataString(since));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"since={since} answered {response.StatusCode}");
            Assert.Contains("since", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    private static void AssertStartsAbout(CaptureFilter filter, DateTimeOffset earliest, DateTimeOffset latest)
    {
        var start = filter.StartTime.ToDateTimeOffset();
        Assert.True(start >= earliest - Slack && start <= latest + Slack,
            string.Create(CultureInfo.InvariantCulture, $"filter starts {start:O}, expected between {earliest:O} and {latest:O}"));
    }

    private static async Task<string> Field(ILocator row, string field) => (await row.Locator($"[data-field='{field}']").InnerTextAsync()).Trim();

    private static async Task<string[]> FieldsAsync(ILocator scope, params string[] fields)
    {
        var values = new string[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            values[i] = await Field(scope, fields[i]);
        }
        return values;
    }

    private static async Task<string[]> PresenceAsync(ILocator items) =>
        [.. (await items.EvaluateAllAsync<string[]>("items => items.map(i => i.innerText)")).Select(t => string.Join(' ', t.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))];

    /// <summary>How much of a bar its fill covers, 0..1, as drawn.</summary>
    private static Task<double> FilledAsync(ILocator bar) =>
        bar.EvaluateAsync<double>("b => b.querySelector('.bar-fill').getBoundingClientRect().width / b.getBoundingClientRect().width");

    private async Task<(IPage Page, List<string> Errors)> OpenAsync(string path)
    {
        var (context, page, errors) = await fixture.OpenAsync(path);
        _contexts.Add(context);
        return (page, errors);
    }
}
