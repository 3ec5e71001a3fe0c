using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Ingestion.Tests.Support;
using Grpc.Core;

namespace Experiments.Ingestion.Tests.Captures;

/// <summary>The Captures service hosted in memory, called through its generated client.</summary>
public sealed class CapturesServiceTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private IngestionHost _host = null!;

    // Captures recorded "now" by the host's real clock, so the default 7-day retention keeps them.
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    public Task InitializeAsync()
    {
        _host = TestCaptures.StartHost(_dir.Path, new Dictionary<string, string>
        {
            ["Ingestion:Captures:MaxExchangeBytes"] = "2048",
            ["Ingestion:Captures:MaxRequestBytes"] = "65536",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _dir.Dispose();
    }

    private Contracts.V1.Captures.CapturesClient Recorder => _host.CapturesClient(IngestionHost.IngestKey);

    private Contracts.V1.Captures.CapturesClient Analyst => _host.CapturesClient(TestCaptures.CaptureKey);

    [Fact]
    public async Task A_bad_exchange_is_rejected_alone_with_its_field_and_the_rest_are_stored()
    {
        var noApi = TestCaptures.Exchange("no-api", Now);
        noApi.ApiName = "";
        var noStart = TestCaptures.Exchange("no-start", Now);
        noStart.StartTime = null;
        var tooBig = TestCaptures.Exchange("too-big", Now, bodyBytes: 4096);
        var noProtocol = TestCaptures.Exchange("no-protocol", Now);
        noProtocol.Protocol = CaptureProtocol.Unspecified;
        var request = new RecordCapturesRequest
        {
            Exchanges = { TestCaptures.Exchange("ok-1", Now), noApi, new CapturedExchange(TestCaptures.Exchange("x", Now)) { CaptureId = "" },
                noStart, tooBig, noProtocol, TestCaptures.Exchange("ok-2", Now.AddMilliseconds(1)), TestCaptures.Exchange("ok-1", Now) },
        };

        var response = await Recorder.RecordCapturesAsync(request);

        Assert.Equal(2, response.AcceptedCount);
        Assert.Equal(1, response.DuplicateCount);
        Assert.Equal(5, response.RejectedCount);
        Assert.Equal(
            [(1, "exchanges[1].api_name"), (2, "exchanges[2].capture_id"), (3, "exchanges[3].start_time"), (4, "exchanges[4]"), (5, "exchanges[5].protocol")],
            response.Rejections.Select(r => (r.Index, r.Field)));
        Assert.Equal("too-big", response.Rejections[3].CaptureId);
        Assert.Contains("2048", response.Rejections[3].Message, StringComparison.Ordinal);
        var listed = await Analyst.ListCapturesAsync(new ListCapturesRequest());
        Assert.Equal(["ok-1", "ok-2"], listed.Exchanges.Select(e => e.CaptureId));
        Assert.Equal(request.Exchanges[0], listed.Exchanges[0]);
    }

    [Fact]
    public async Task A_request_over_the_size_limit_is_refused_whole_with_resource_exhausted()
    {
        var request = new RecordCapturesRequest { Exchanges = { Enumerable.Range(0, 60).Select(i => TestCaptures.Exchange($"c{i}", Now, bodyBytes: 1500)) } };
        Assert.True(request.CalculateSize() > 65536);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await Recorder.RecordCapturesAsync(request));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Empty((await Analyst.ListCapturesAsync(new ListCapturesRequest())).Exchanges);
    }

    [Fact]
    public async Task Recording_needs_the_ingest_scope_and_reading_needs_the_capture_scope()
    {
        var record = new RecordCapturesRequest { Exchanges = { TestCaptures.Exchange("a", Now) } };

        var ingestLists = await Assert.ThrowsAsync<RpcException>(async () => await Recorder.ListCapturesAsync(new ListCapturesRequest()));
        var ingestReports = await Assert.ThrowsAsync<RpcException>(async () => await Recorder.GetTrafficReportAsync(new GetTrafficReportRequest()));
        var ingestDeclares = await Assert.ThrowsAsync<RpcException>(async () => await Recorder.SetIntendedUsageAsync(new SetIntendedUsageRequest { Usage = new IntendedUsage { ServiceName = "trading" } }));
        var readerLists = await Assert.ThrowsAsync<RpcException>(async () => await _host.CapturesClient(IngestionHost.ReadKey).ListCapturesAsync(new ListCapturesRequest()));
        var analystRecords = await Assert.ThrowsAsync<RpcException>(async () => await Analyst.RecordCapturesAsync(record));
        var anonymous = await Assert.ThrowsAsync<RpcException>(async () => await _host.CapturesClient(null).ListCapturesAsync(new ListCapturesRequest()));

        Assert.Equal(StatusCode.PermissionDenied, ingestLists.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, ingestReports.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, ingestDeclares.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, readerLists.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, analystRecords.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        Assert.Equal(1, (await Recorder.RecordCapturesAsync(record)).AcceptedCount);
        Assert.Single((await Analyst.ListCapturesAsync(new ListCapturesRequest())).Exchanges);
    }

    [Fact]
    public async Task Pages_walk_a_filter_oldest_first_and_a_token_only_serves_its_own_filter()
    {
        var exchanges = Enumerable.Range(0, 25)
            .Select(i => TestCaptures.Exchange($"c{i:D2}", Now.AddMilliseconds(i / 2), client: i % 3 == 0 ? "bot" : "web"))
            .ToList();
        await Recorder.RecordCapturesAsync(new RecordCapturesRequest { Exchanges = { exchanges } });
        var filter = new CaptureFilter { ClientIds = { "web" } };

        var seen = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await Analyst.ListCapturesAsync(new ListCapturesRequest { Filter = filter, PageSize = 4, PageToken = token });
            seen.AddRange(page.Exchanges.Select(e => e.CaptureId));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0 && pages < 10);

        var expected = exchanges.Where(e => e.ClientId == "web").Select(e => e.CaptureId).ToList();
        Assert.Equal(expected, seen);
        Assert.Equal((expected.Count + 3) / 4, pages);

        var first = await Analyst.ListCapturesAsync(new ListCapturesRequest { Filter = filter, PageSize = 4 });
        var otherFilter = await Assert.ThrowsAsync<RpcException>(async () =>
            await Analyst.ListCapturesAsync(new ListCapturesRequest { Filter = new CaptureFilter { ClientIds = { "bot" } }, PageToken = first.NextPageToken }));
        var garbage = await Assert.ThrowsAsync<RpcException>(async () => await Analyst.ListCapturesAsync(new ListCapturesRequest { PageToken = "not-a-token" }));
        var negative = await Assert.ThrowsAsync<RpcException>(async () => await Analyst.ListCapturesAsync(new ListCapturesRequest { PageSize = -1 }));

        Assert.Equal("page_token", InvalidField(otherFilter));
        Assert.Equal("page_token", InvalidField(garbage));
        Assert.Equal("page_size", InvalidField(negative));
    }

    [Fact]
    public async Task A_page_holds_fewer_exchanges_than_asked_when_they_would_outgrow_the_page_byte_limit()
    {
        await _host.DisposeAsync();
        _host = TestCaptures.StartHost(_dir.Path, new Dictionary<string, string> { ["Ingestion:Captures:MaxPageBytes"] = "3000" });
        var exchanges = Enumerable.Range(0, 5).Select(i => TestCaptures.Exchange($"c{i}", Now.AddMilliseconds(i), bodyBytes: 1000)).ToList();
        await Recorder.RecordCapturesAsync(new RecordCapturesRequest { Exchanges = { exchanges } });
        // Two exchanges fit in 3000 bytes, three do not.
        Assert.InRange(exchanges[0].CalculateSize(), 1001, 1499);

        var first = await Analyst.ListCapturesAsync(new ListCapturesRequest { PageSize = 10 });
        var second = await Analyst.ListCapturesAsync(new ListCapturesRequest { PageSize = 10, PageToken = first.NextPageToken });
        var third = await Analyst.ListCapturesAsync(new ListCapturesRequest { PageSize = 10, PageToken = second.NextPageToken });

        Assert.Equal(["c0", "c1"], first.Exchanges.Select(e => e.CaptureId));
        Assert.Equal(["c2", "c3"], second.Exchanges.Select(e => e.CaptureId));
        Assert.Equal(["c4"], third.Exchanges.Select(e => e.CaptureId));
        Assert.Equal("", third.NextPageToken);
    }

    [Fact]
    public async Task Intended_usage_is_stored_per_service_and_a_bad_policy_names_its_field()
    {
        var usage = new IntendedUsage
        {
            ServiceName = "trading",
            Endpoints =
            {
                new EndpointPolicy { ApiName = "trading.v1.TradingCore/PlaceOrder", MaxCallsPerMinute = 60, MustFollow = { "trading.v1.TradingCore/GetPortfolio" } },
                new EndpointPolicy { ApiName = "GET /v1/quotes/{symbol}", Deprecated = true, ReplacedBy = "trading.v1.MarketData/GetQuote" },
            },
        };

        var stored = await Analyst.SetIntendedUsageAsync(new SetIntendedUsageRequest { Usage = usage });
        var read = await Analyst.GetIntendedUsageAsync(new GetIntendedUsageRequest { ServiceName = "trading" });
        var none = await Analyst.GetIntendedUsageAsync(new GetIntendedUsageRequest { ServiceName = "other" });

        Assert.NotNull(stored.UpdateTime);
        Assert.Equal(stored, read);
        Assert.Equal(usage.Endpoints, read.Endpoints);
        Assert.Empty(none.Endpoints);

        Assert.Equal("usage.endpoints[1].max_calls_per_minute", await BadPolicyFieldAsync(new EndpointPolicy { ApiName = "b", MaxCallsPerMinute = -1 }));
        Assert.Equal("usage.endpoints[1].api_name", await BadPolicyFieldAsync(new EndpointPolicy { ApiName = "" }));
        Assert.Equal("usage.endpoints[1].api_name", await BadPolicyFieldAsync(new EndpointPolicy { ApiName = "a" }));
        Assert.Equal("usage.endpoints[1].must_follow[0]", await BadPolicyFieldAsync(new EndpointPolicy { ApiName = "b", MustFollow = { "" } }));
        Assert.Equal(stored, await Analyst.GetIntendedUsageAsync(new GetIntendedUsageRequest { ServiceName = "trading" }));
    }

    [Fact]
    public async Task Captures_and_declarations_survive_a_restart_of_the_service()
    {
        await Recorder.RecordCapturesAsync(new RecordCapturesRequest { Exchanges = { TestCaptures.Exchange("kept", Now) } });
        await Analyst.SetIntendedUsageAsync(new SetIntendedUsageRequest { Usage = new IntendedUsage { ServiceName = "trading", Endpoints = { new EndpointPolicy { ApiName = "a" } } } });
        await _host.DisposeAsync();

        _host = TestCaptures.StartHost(_dir.Path);

        Assert.Equal(["kept"], (await Analyst.ListCapturesAsync(new ListCapturesRequest())).Exchanges.Select(e => e.CaptureId));
        Assert.Equal("a", (await Analyst.GetIntendedUsageAsync(new GetIntendedUsageRequest { ServiceName = "trading" })).Endpoints.Single().ApiName);
        Assert.True(File.Exists(Path.Combine(_dir.Path, "captures.db")));
    }

    private async Task<string> BadPolicyFieldAsync(EndpointPolicy second)
    {
        var usage = new IntendedUsage { ServiceName = "trading", Endpoints = { new EndpointPolicy { ApiName = "a" }, second } };
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Analyst.SetIntendedUsageAsync(new SetIntendedUsageRequest { Usage = usage }));
        return InvalidField(error);
    }

    private static string InvalidField(RpcException error)
    {
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        return Assert.Single(RpcErrorDetails.GetFieldViolations(error)).Field;
    }
}
