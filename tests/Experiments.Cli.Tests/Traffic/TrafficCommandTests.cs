using System.Text.Json.Nodes;
using Experiments.Clients.Traffic;
using Experiments.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Cli.Tests.Traffic;

/// <summary><c>exp traffic</c> against a double of the Captures service.</summary>
public sealed class TrafficCommandTests
{
    [Fact]
    public async Task Export_jsonl_pages_through_the_captures_up_to_the_limit_and_writes_a_capture_file_that_reads_back()
    {
        await using var cli = await TrafficCli.StartAsync();
        for (var i = 0; i < 2500; i++)
        {
            var exchange = i % 2 == 0 ? SampleExchanges.HttpPost() : SampleExchanges.GrpcUnary();
            exchange.CaptureId = "c" + i;
            cli.Captures.Add(exchange);
        }

        var result = await cli.RunAsync("traffic", "export", "--format", "jsonl", "--limit", "1200", "--out", "capture.jsonl");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([1000, 200], cli.Captures.Requests.OfType<ListCapturesRequest>().Select(r => r.PageSize));
        using var reader = new StreamReader(Path.Combine(cli.Directory, "capture.jsonl"));
        var read = CaptureFile.Read(reader).ToList();
        Assert.Equal(cli.Captures.Exchanges.Take(1200), read);
        Assert.Contains("Exported 1200 exchange(s) to capture.jsonl", result.Stderr, StringComparison.Ordinal);
        // One exchange per line, in protobuf's JSON mapping.
        var firstLine = File.ReadLines(Path.Combine(cli.Directory, "capture.jsonl")).First();
        Assert.Equal(cli.Captures.Exchanges[0], JsonParser.Default.Parse<CapturedExchange>(firstLine));
    }

    [Fact]
    public async Task The_filter_options_reach_the_server_and_since_counts_back_from_now()
    {
        await using var cli = await TrafficCli.StartAsync();
        var now = new DateTimeOffset(2026, 12, 7, 16, 0, 0, TimeSpan.Zero);
        cli.Time = new Support.FixedClock(now);

        var result = await cli.RunAsync("traffic", "list", "--service", "orders", "--client", "mobile-app,web", "--client", "ios",
            "--api", "POST /v1/orders", "--unit", "user-7", "--since", "15m");

        Assert.Equal(0, result.ExitCode);
        var filter = Assert.Single(cli.Captures.Requests.OfType<ListCapturesRequest>()).Filter;
        Assert.Equal("orders", filter.ServiceName);
        Assert.Equal(["mobile-app", "web", "ios"], filter.ClientIds);
        Assert.Equal(["POST /v1/orders"], filter.ApiNames);
        Assert.Equal("user-7", filter.UnitId);
        Assert.Equal(Timestamp.FromDateTimeOffset(now.AddMinutes(-15)), filter.StartTime);
        Assert.Null(filter.EndTime);
        Assert.Contains("No recorded exchanges match the filter.", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Since_and_from_together_or_a_bad_time_are_usage_errors()
    {
        await using var cli = await TrafficCli.StartAsync();

        var both = await cli.RunAsync("traffic", "list", "--since", "15m", "--from", "2026-12-07T10:00:00Z");
        var bad = await cli.RunAsync("traffic", "clients", "--since", "yesteryear");

        Assert.Equal(1, both.ExitCode);
        Assert.Contains("--since or --from, not both", both.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--since 'yesteryear' is not a time", bad.Stderr, StringComparison.Ordinal);
        Assert.Empty(cli.Captures.Requests);
    }

    [Fact]
    public async Task List_shows_a_table_of_exchanges_and_json_one_exchange_per_line()
    {
        await using var cli = await TrafficCli.StartAsync();
        cli.Captures.Add([SampleExchanges.HttpPost(), SampleExchanges.GrpcUnary()]);

        var table = await cli.RunAsync("traffic", "list");
        var json = await cli.RunAsync("traffic", "list", "--json");

        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Matches(@"2026-12-07 14:00:01Z\s+mobile-app\s+POST /v1/orders\s+201\s+12\.25", table.Stdout);
        Assert.Matches(@"ops-tool\s+experiments\.v1\.ExperimentAdmin/CreateExperiment\s+OK", table.Stdout);
        var lines = json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(cli.Captures.Exchanges, lines.Select(l => JsonParser.Default.Parse<CapturedExchange>(l)));
    }

    [Fact]
    public async Task Export_curl_writes_the_commands_to_stdout_with_secrets_as_variables_and_says_what_it_skipped_on_stderr()
    {
        await using var cli = await TrafficCli.StartAsync();
        cli.Captures.Add([SampleExchanges.HttpPost(), SampleExchanges.GrpcUnary()]);

        var result = await cli.RunAsync("traffic", "export", "--format", "curl", "--target", "http://127.0.0.1:9000");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("#!/bin/sh", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("'http://127.0.0.1:9000/v1/orders?account=42&dry_run=true'", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("-H 'authorization: '\"${AUTHORIZATION}\"", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--http2-prior-knowledge", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("grpcurl", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Exported 1 HTTP request(s) as curl commands; 1 gRPC call(s) skipped (use --format grpcurl).", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_postman_to_a_file_lists_the_grpc_calls_in_the_collection()
    {
        await using var cli = await TrafficCli.StartAsync();
        var grpc = SampleExchanges.GrpcUnary();
        grpc.ServiceName = "orders";
        cli.Captures.Add([SampleExchanges.HttpPost(), SampleExchanges.HttpGet(), grpc]);

        var result = await cli.RunAsync("traffic", "export", "--format", "postman", "--service", "orders", "--group-by", "api", "-o", "orders.postman.json");

        Assert.Equal(0, result.ExitCode);
        var collection = JsonNode.Parse(File.ReadAllText(Path.Combine(cli.Directory, "orders.postman.json")))!;
        Assert.Equal("Recorded traffic of orders 2026-12-07 14:00:01Z – 2026-12-07 14:00:03Z", (string?)collection["info"]!["name"]);
        Assert.Equal(["POST /v1/orders", "GET /v1/portfolio/{account}"], collection["item"]!.AsArray().Select(f => (string?)f!["name"]));
        Assert.Contains("(service orders)", (string?)collection["info"]!["description"], StringComparison.Ordinal);
        Assert.Contains("1 gRPC call(s) are listed as grpcurl commands", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_target_or_format_is_a_usage_error_before_any_call()
    {
        await using var cli = await TrafficCli.StartAsync();

        var target = await cli.RunAsync("traffic", "export", "--format", "curl", "--target", "ftp://x");
        var format = await cli.RunAsync("traffic", "export", "--format", "har");

        Assert.Equal(1, target.ExitCode);
        Assert.Contains("--target 'ftp://x' is not an http:// or https:// URL", target.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, format.ExitCode);
        Assert.Empty(cli.Captures.Requests);
    }

    [Fact]
    public async Task An_exchange_recorded_without_its_host_needs_a_target()
    {
        await using var cli = await TrafficCli.StartAsync();
        var exchange = SampleExchanges.HttpGet(authority: "");
        cli.Captures.Add(exchange);

        var withoutTarget = await cli.RunAsync("traffic", "export", "--format", "curl");
        var withTarget = await cli.RunAsync("traffic", "export", "--format", "curl", "--target", "http://127.0.0.1:9000");

        Assert.Equal(1, withoutTarget.ExitCode);
        Assert.Equal($"error: capture {exchange.CaptureId} has no recorded authority: give a target URL", withoutTarget.Stderr.Trim());
        Assert.Equal(0, withTarget.ExitCode);
        Assert.Contains("'http://127.0.0.1:9000/v1/portfolio/42?currency=EUR'", withTarget.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clients_ranks_clients_by_slowest_share_and_details_each_one()
    {
        await using var cli = await TrafficCli.StartAsync();
        cli.Captures.Reports[""] = Report();

        var result = await cli.RunAsync("traffic", "clients", "--service", "orders");

        Assert.Equal(0, result.ExitCode);
        var text = result.Stdout;
        Assert.Contains("1,000 calls from 2 client(s)", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("batch-importer", StringComparison.Ordinal) < text.IndexOf("mobile-app", StringComparison.Ordinal));
        Assert.Matches(@"batch-importer\s+│?\s*50\s+│?\s*5%\s+│?\s*60%\s+│?\s*12×", text);
        Assert.Contains("Calls per 1m: ▁█ ▂ (peak 40, total 50)", text, StringComparison.Ordinal);
        Assert.Matches(@"GET /v1/portfolio/\{account\}\s+│?\s*POST /v1/orders\s+│?\s*30\s+│?\s*75%", text);
        Assert.Contains("RATE_EXCEEDED", text, StringComparison.Ordinal);
        Assert.Contains("peaked at 40 calls/min against a limit of 10", text, StringComparison.Ordinal);
        Assert.Contains("account (50%)", text, StringComparison.Ordinal);
        Assert.Equal("orders", Assert.Single(cli.Captures.Requests.OfType<GetTrafficReportRequest>()).Filter.ServiceName);

        var json = await cli.RunAsync("traffic", "clients", "--json");
        Assert.Equal(cli.Captures.Reports[""], JsonParser.Default.Parse<TrafficReport>(json.Stdout.Trim()));
    }

    [Fact]
    public async Task Usage_set_sends_the_yaml_declaration_and_show_reads_it_back()
    {
        await using var cli = await TrafficCli.StartAsync();
        var file = cli.WriteFile("usage.yaml", """
            service_name: orders
            endpoints:
              - api_name: POST /v1/orders
                max_calls_per_minute: 60
                must_follow: ["GET /v1/portfolio/{account}"]
              - api_name: GET /v1/quotes/{symbol}
                deprecated: true
                replaced_by: trading.v1.TradingCore/StreamQuotes
            """);

        var set = await cli.RunAsync("traffic", "usage", "set", file);
        Assert.True(set.ExitCode == 0, set.Stderr);
        var show = await cli.RunAsync("traffic", "usage", "show", "--service", "orders");

        Assert.Equal(0, set.ExitCode);
        var expected = new IntendedUsage
        {
            ServiceName = "orders",
            Endpoints =
            {
                new EndpointPolicy { ApiName = "POST /v1/orders", MaxCallsPerMinute = 60, MustFollow = { "GET /v1/portfolio/{account}" } },
                new EndpointPolicy { ApiName = "GET /v1/quotes/{symbol}", Deprecated = true, ReplacedBy = "trading.v1.TradingCore/StreamQuotes" },
            },
        };
        Assert.Equal(expected, Assert.Single(cli.Captures.Requests.OfType<SetIntendedUsageRequest>()).Usage);
        Assert.Contains("Declared the intended usage of orders: 2 endpoint(s).", set.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, show.ExitCode);
        Assert.Matches(@"POST /v1/orders\s+│?\s*60\s+│?\s*GET /v1/portfolio/\{account\}", show.Stdout);
        Assert.Contains("yes, use trading.v1.TradingCore/StreamQuotes", show.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_usage_file_exits_1_naming_the_line()
    {
        await using var cli = await TrafficCli.StartAsync();
        var file = cli.WriteFile("usage.yaml", "service_name: orders\nendpoints:\n  - api_name: POST /v1/orders\n    max_calls_per_minute: lots\n");

        var result = await cli.RunAsync("traffic", "usage", "set", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("line 4", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("'lots' is not a number", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(cli.Captures.Requests);
    }

    [Fact]
    public async Task The_ingestion_address_comes_from_the_environment_or_the_config_file_and_the_api_key_is_sent()
    {
        await using var cli = await TrafficCli.StartAsync();
        cli.Environment["EXP_INGESTION_URL"] = "http://from-env.test:7000";

        var fromEnvironment = await cli.RunRawAsync(["traffic", "usage", "show", "--service", "orders", "--api-key", "k-1"]);
        cli.Environment.Remove("EXP_INGESTION_URL");
        cli.WriteFile("exp.yaml", "ingestion_url: http://from-file.test:7001\n");
        var fromFile = await cli.RunRawAsync(["traffic", "usage", "show", "--service", "orders"]);

        Assert.Equal(0, fromEnvironment.ExitCode);
        Assert.Equal(0, fromFile.ExitCode);
        Assert.Equal([new Uri("http://from-env.test:7000"), new Uri("http://from-file.test:7001")], cli.Connections);
        Assert.Equal("Bearer k-1", cli.Captures.Authorizations[0]);
    }

    private static TrafficReport Report()
    {
        var start = Timestamp.FromDateTime(SampleExchanges.Start);
        var report = new TrafficReport { StartTime = start, EndTime = Timestamp.FromDateTime(SampleExchanges.Start.AddMinutes(4)), ExchangeCount = 1000, BucketSeconds = 60 };
        report.Endpoints.Add(new EndpointUsage { ApiName = "POST /v1/orders", CallCount = 600, Share = 0.6, ErrorCount = 6, P50LatencyMs = 12, P99LatencyMs = 140, SlowThresholdMs = 140, SlowCount = 6 });
        var heavy = new ClientUsage { ClientId = "batch-importer", CallCount = 50, UnitCount = 1, CallShare = 0.05, ErrorShare = 0.1, SlowestShare = 0.6 };
        heavy.Endpoints.Add(new EndpointUsage { ApiName = "POST /v1/orders", CallCount = 50, Share = 1, ErrorCount = 5, P50LatencyMs = 90, P99LatencyMs = 400, SlowCount = 4 });
        heavy.Rate.AddRange([
            new RatePoint { StartTime = start, CallCount = 2 },
            new RatePoint { StartTime = start, CallCount = 40 },
            new RatePoint { StartTime = start, CallCount = 0 },
            new RatePoint { StartTime = start, CallCount = 8 },
        ]);
        heavy.Departures.Add(new UsageDeparture { Kind = UsageDepartureKind.RateExceeded, ApiName = "POST /v1/orders", Count = 30, Detail = "peaked at 40 calls/min against a limit of 10" });
        var mobile = new ClientUsage { ClientId = "mobile-app", CallCount = 950, UnitCount = 200, CallShare = 0.95, ErrorShare = 0.001, SlowestShare = 0.4 };
        mobile.Transitions.Add(new CallTransition { FromApiName = "GET /v1/portfolio/{account}", ToApiName = "POST /v1/orders", Count = 30, Share = 0.75 });
        mobile.Shapes.Add(new PayloadShape
        {
            ApiName = "POST /v1/orders",
            RequestFields = { new FieldPresence { Name = "symbol", Share = 1 }, new FieldPresence { Name = "account", Share = 0.5 } },
            Headers = { new FieldPresence { Name = "authorization", Share = 1 } },
            RequestBytesP50 = 120,
            RequestBytesMax = 4096,
        });
        report.Clients.AddRange([heavy, mobile]);
        return report;
    }
}
