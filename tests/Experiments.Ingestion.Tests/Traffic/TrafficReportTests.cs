using System.Text.Json;
using Experiments.Contracts.V1;
using Experiments.Ingestion.Tests.Captures;
using Experiments.Ingestion.Tests.Support;
using Experiments.Tests.Shared;
using Google.Protobuf;

namespace Experiments.Ingestion.Tests.Traffic;

/// <summary>
/// The traffic report of generated traffic, through the Captures service, against figures that traffic_reference.py
/// computes from the same capture file with numpy (nearest-rank percentiles) and plain counting.
/// </summary>
public sealed class TrafficReportTests : IAsyncLifetime
{
    private const double Exact = 1e-12;

    private readonly TempDirectory _dir = new();
    private IngestionHost _host = null!;

    // Within the default retention age of the host's real clock, aligned to a minute like the report's buckets.
    private static readonly DateTimeOffset Origin = new(DateTimeOffset.UtcNow.AddHours(-2).UtcTicks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero);

    public Task InitializeAsync()
    {
        _host = TestCaptures.StartHost(_dir.Path);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_abusive_client_comes_first_with_every_departure_and_every_figure_matches_the_reference()
    {
        var traffic = GeneratedTraffic.Generate(Origin);
        var recorder = _host.CapturesClient(IngestionHost.IngestKey);
        foreach (var chunk in traffic.Chunk(400))
        {
            Assert.Equal(chunk.Length, (await recorder.RecordCapturesAsync(new RecordCapturesRequest { Exchanges = { chunk } })).AcceptedCount);
        }
        var analyst = _host.CapturesClient(TestCaptures.CaptureKey);
        var usage = await analyst.SetIntendedUsageAsync(new SetIntendedUsageRequest { Usage = GeneratedTraffic.Usage() });

        var report = await analyst.GetTrafficReportAsync(new GetTrafficReportRequest { Filter = new CaptureFilter { ServiceName = GeneratedTraffic.Service } });
        using var reference = await ReferenceAsync(traffic, usage);
        var expected = reference.RootElement;

        // The question the report answers first.
        var abuser = report.Clients[0];
        Assert.Equal(GeneratedTraffic.Abuser, abuser.ClientId);
        Assert.Equal(
            [
                (UsageDepartureKind.RateExceeded, GeneratedTraffic.Order),
                (UsageDepartureKind.OutOfOrder, GeneratedTraffic.Order),
                (UsageDepartureKind.Deprecated, GeneratedTraffic.OldQuote),
                (UsageDepartureKind.Undeclared, GeneratedTraffic.Debug),
            ],
            abuser.Departures.Select(d => (d.Kind, d.ApiName)));
        Assert.Equal(60, abuser.Departures.Single(d => d.Kind == UsageDepartureKind.OutOfOrder).Count);
        Assert.True(abuser.SlowestShare > 0.5, $"the abuser made {abuser.SlowestShare:P0} of the slowest calls");
        Assert.Equal(usage, report.IntendedUsage);

        Assert.Equal(traffic.Count, report.ExchangeCount);
        Assert.Equal(expected.GetProperty("exchange_count").GetInt64(), report.ExchangeCount);
        Assert.Equal(expected.GetProperty("bucket_seconds").GetDouble(), report.BucketSeconds);
        Assert.Equal(traffic[0].StartTime, report.StartTime);
        Assert.Equal(traffic.Max(e => e.StartTime.ToDateTimeOffset().AddMilliseconds(e.DurationMs)), report.EndTime.ToDateTimeOffset());
        var thresholds = expected.GetProperty("thresholds");
        AssertEndpoints(expected.GetProperty("endpoints"), report.Endpoints);
        Assert.All(report.Endpoints, e => Assert.Equal(thresholds.GetProperty(e.ApiName).GetDouble(), e.SlowThresholdMs));

        var clients = expected.GetProperty("clients").EnumerateArray().ToList();
        Assert.Equal(clients.Select(c => c.GetProperty("client_id").GetString()), report.Clients.Select(c => c.ClientId));
        foreach (var (want, got) in clients.Zip(report.Clients, (w, g) => (w, g)))
        {
            AssertClient(want, got, expected.GetProperty("rate_origin_ms").GetInt64());
        }
    }

    [Fact]
    public async Task A_report_reads_only_the_newest_exchanges_up_to_its_bound()
    {
        await _host.DisposeAsync();
        _host = TestCaptures.StartHost(_dir.Path, new Dictionary<string, string> { ["Ingestion:Captures:MaxReportExchanges"] = "10" });
        var analyst = _host.CapturesClient(TestCaptures.CaptureKey);
        var empty = await analyst.GetTrafficReportAsync(new GetTrafficReportRequest());
        var exchanges = Enumerable.Range(0, 30).Select(i => TestCaptures.Exchange($"c{i:D2}", Origin.AddSeconds(i))).ToList();
        await _host.CapturesClient(IngestionHost.IngestKey).RecordCapturesAsync(new RecordCapturesRequest { Exchanges = { exchanges } });

        var report = await analyst.GetTrafficReportAsync(new GetTrafficReportRequest());

        Assert.Equal(0, empty.ExchangeCount);
        Assert.Empty(empty.Clients);
        Assert.Equal(10, report.ExchangeCount);
        Assert.Equal(exchanges[20].StartTime, report.StartTime);
        Assert.Empty(report.IntendedUsage.Endpoints);
        Assert.All(report.Clients, c => Assert.Empty(c.Departures));
    }

    private static void AssertClient(JsonElement want, ClientUsage got, long originMs)
    {
        var id = got.ClientId;
        Assert.Equal(want.GetProperty("call_count").GetInt64(), got.CallCount);
        Assert.Equal(want.GetProperty("unit_count").GetInt64(), got.UnitCount);
        Assert.Equal(want.GetProperty("call_share").GetDouble(), got.CallShare, Exact);
        Assert.Equal(want.GetProperty("error_share").GetDouble(), got.ErrorShare, Exact);
        Assert.Equal(want.GetProperty("slowest_share").GetDouble(), got.SlowestShare, Exact);
        AssertEndpoints(want.GetProperty("endpoints"), got.Endpoints);

        Assert.Equal(want.GetProperty("rate").EnumerateArray().Select(r => r.GetInt64()), got.Rate.Select(r => r.CallCount));
        Assert.Equal(
            got.Rate.Select((_, i) => DateTimeOffset.FromUnixTimeMilliseconds(originMs).AddMinutes(i)),
            got.Rate.Select(r => r.StartTime.ToDateTimeOffset()));

        var transitions = want.GetProperty("transitions");
        Assert.Equal(transitions.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal), got.Transitions.Select(t => t.FromApiName));
        foreach (var t in got.Transitions)
        {
            var w = transitions.GetProperty(t.FromApiName);
            Assert.Equal((w[0].GetString(), w[1].GetInt64()), (t.ToApiName, t.Count));
            Assert.Equal(w[2].GetDouble(), t.Share, Exact);
        }

        var shapes = want.GetProperty("shapes");
        Assert.Equal(shapes.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal), got.Shapes.Select(s => s.ApiName));
        foreach (var shape in got.Shapes)
        {
            var w = shapes.GetProperty(shape.ApiName);
            AssertPresence(w.GetProperty("fields"), shape.RequestFields);
            AssertPresence(w.GetProperty("headers"), shape.Headers);
            Assert.Equal(
                (w.GetProperty("req_p50").GetDouble(), w.GetProperty("req_max").GetDouble(), w.GetProperty("resp_p50").GetDouble(), w.GetProperty("resp_max").GetDouble()),
                (shape.RequestBytesP50, shape.RequestBytesMax, shape.ResponseBytesP50, shape.ResponseBytesMax));
        }

        var departures = want.GetProperty("departures").EnumerateArray()
            .Select(d => (d[0].GetString()!, d[1].GetString()!, d[2].GetInt64()))
            .Order();
        Assert.Equal(departures, got.Departures.Select(d => (Kind(d.Kind), d.ApiName, d.Count)).Order());
        Assert.All(got.Departures, d => Assert.False(string.IsNullOrEmpty(d.Detail), $"{id}: {d.Kind} has no detail"));
    }

    private static void AssertEndpoints(JsonElement want, IEnumerable<EndpointUsage> got)
    {
        var list = got.ToList();
        Assert.Equal(want.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal), list.Select(e => e.ApiName).Order(StringComparer.Ordinal));
        foreach (var e in list)
        {
            var w = want.GetProperty(e.ApiName);
            Assert.Equal(
                (w.GetProperty("count").GetInt64(), w.GetProperty("errors").GetInt64(), w.GetProperty("slow").GetInt64(), w.GetProperty("p50").GetDouble(), w.GetProperty("p99").GetDouble()),
                (e.CallCount, e.ErrorCount, e.SlowCount, e.P50LatencyMs, e.P99LatencyMs));
            Assert.Equal(w.GetProperty("share").GetDouble(), e.Share, Exact);
        }
    }

    private static void AssertPresence(JsonElement want, IEnumerable<FieldPresence> got)
    {
        var map = got.ToDictionary(p => p.Name, p => p.Share, StringComparer.Ordinal);
        Assert.Equal(want.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal), map.Keys.Order(StringComparer.Ordinal));
        foreach (var p in want.EnumerateObject())
        {
            Assert.Equal(p.Value.GetDouble(), map[p.Name], Exact);
        }
    }

    private static string Kind(UsageDepartureKind kind) => kind switch
    {
        UsageDepartureKind.RateExceeded => "USAGE_DEPARTURE_KIND_RATE_EXCEEDED",
        UsageDepartureKind.OutOfOrder => "USAGE_DEPARTURE_KIND_OUT_OF_ORDER",
        UsageDepartureKind.Deprecated => "USAGE_DEPARTURE_KIND_DEPRECATED",
        UsageDepartureKind.Undeclared => "USAGE_DEPARTURE_KIND_UNDECLARED",
        _ => kind.ToString(),
    };

    private async Task<JsonDocument> ReferenceAsync(IReadOnlyList<CapturedExchange> traffic, IntendedUsage usage)
    {
        // The capture file format (JSON Lines, protobuf JSON mapping), as `exp traffic export --format jsonl` writes it.
        var captures = Path.Combine(_dir.Path, "captures.jsonl");
        await File.WriteAllLinesAsync(captures, traffic.Select(e => JsonFormatter.Default.Format(e)));
        var usageFile = Path.Combine(_dir.Path, "usage.json");
        await File.WriteAllTextAsync(usageFile, JsonFormatter.Default.Format(usage));
        var script = Path.Combine(Path.GetDirectoryName(Python.ProtosRoot)!, "tests", "Experiments.Ingestion.Tests", "Traffic", "traffic_reference.py");

        var (exitCode, output) = await Python.RunAsync(script, TimeSpan.FromMinutes(2), captures, usageFile);

        Assert.True(exitCode == 0, output);
        return JsonDocument.Parse(output);
    }
}
