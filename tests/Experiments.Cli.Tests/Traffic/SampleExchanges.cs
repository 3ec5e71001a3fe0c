using System.Text;
using Experiments.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Cli.Tests.Traffic;

/// <summary>
/// Captured exchanges as the SDK records them (G-contract): redacted values as {{redacted}}, gRPC messages with their
/// protobuf bytes and their JSON mapping. The gRPC ones carry real messages, so a test can compare what a server
/// receives with the message itself.
/// </summary>
internal static class SampleExchanges
{
    public static readonly DateTime Start = new(2026, 12, 7, 14, 0, 0, DateTimeKind.Utc);

    /// <summary>A body a shell would love to misread: quotes, $, backquotes, a newline, a backslash, non-ASCII.</summary>
    public const string TrickyBody = "{\"symbol\":\"AAPL\",\"note\":\"it's $HOME `uname` \\\"quoted\\\" \\\\ ü €\\nsecond line\",\"account\":\"{{redacted}}\"}";

    public static CapturedExchange HttpPost(string authority = "orders.internal:8080", string httpVersion = "HTTP/2") => Http(
        "POST", "/v1/orders?account=42&dry_run=true", "POST /v1/orders", authority, httpVersion, TrickyBody, 201,
        [
            ("content-type", "application/json"),
            ("authorization", "{{redacted}}"),
            ("x-client-id", "mobile-app"),
            ("x-trace-note", "it's a \"test\" $PATH"),
            ("host", authority),
            ("content-length", "123"),
        ],
        client: "mobile-app", unit: "user-7", offsetSeconds: 1);

    public static CapturedExchange HttpGet(string authority = "orders.internal:8080") => Http(
        "GET", "/v1/portfolio/42?currency=EUR", "GET /v1/portfolio/{account}", authority, "HTTP/1.1", "", 200,
        [("accept", "application/json"), ("x-api-key", "{{redacted}}")],
        client: "web", unit: "user-8", offsetSeconds: 2);

    public static CreateExperimentRequest CreateRequest() => new()
    {
        ExperimentId = "it's-$HOME",
        Experiment = new Experiment
        {
            FlagKey = "order-routing",
            DisplayName = "Router \"v2\" ü",
            Description = "line one\nline 'two' with `backquotes` and $dollars",
            RolloutPercent = 12.5,
            Variants =
            {
                new Variant { Key = "control", Weight = 50, IsControl = true },
                new Variant { Key = "new-router", Weight = 50, Payload = "{\"fast\":true}" },
            },
            Kpis = { new Kpi { Key = "p99", Kind = KpiKind.LatencyP99, ApiName = "trading.v1.TradingCore/PlaceOrder", Role = KpiRole.Primary } },
        },
    };

    public static CapturedExchange GrpcUnary(string authority = "127.0.0.1:5101")
    {
        var exchange = Grpc("experiments.v1.ExperimentAdmin/CreateExperiment", "UNARY", authority, [CreateRequest()], client: "ops-tool", unit: "user-9", offsetSeconds: 3);
        exchange.RequestHeaders.Add(new CapturedHeader { Name = "authorization", Value = "{{redacted}}" });
        exchange.RequestHeaders.Add(new CapturedHeader { Name = "x-client-id", Value = "ops-tool" });
        exchange.RequestHeaders.Add(new CapturedHeader { Name = "x-trace-bin", Value = Convert.ToBase64String([0, 1, 2, 250, 255]) });
        return exchange;
    }

    public static EventBatch[] Batches() =>
    [
        new EventBatch { Sequence = 1, Source = "pod-'1'", Events = { new Event { EventId = "e1", UserId = "u1", Request = new RequestEvent { ApiName = "GET /x", LatencyMs = 12.5, StatusCode = 200 } } } },
        new EventBatch { Sequence = 2, Source = "pod-$2", Events = { new Event { EventId = "e2", UserId = "u2", Request = new RequestEvent { ApiName = "GET /y", LatencyMs = 7, StatusCode = 503 } } } },
    ];

    public static CapturedExchange GrpcClientStream(string authority = "127.0.0.1:5102")
    {
        var exchange = Grpc("experiments.v1.Ingestion/Ingest", "CLIENT_STREAMING", authority, Batches(), client: "order-service", unit: "", offsetSeconds: 4);
        exchange.RequestHeaders.Add(new CapturedHeader { Name = "authorization", Value = "Bearer {{redacted}}" });
        return exchange;
    }

    private static CapturedExchange Http(string method, string path, string api, string authority, string httpVersion, string body, int status,
        (string Name, string Value)[] headers, string client, string unit, int offsetSeconds)
    {
        var exchange = new CapturedExchange
        {
            CaptureId = Guid.NewGuid().ToString("N"),
            ServiceName = "orders",
            ClientId = client,
            UnitId = unit,
            Protocol = CaptureProtocol.Http,
            ApiName = api,
            HttpMethod = method,
            Path = path,
            Authority = authority,
            HttpVersion = httpVersion,
            StatusCode = status,
            StartTime = Timestamp.FromDateTime(Start.AddSeconds(offsetSeconds)),
            DurationMs = 12.25,
            Variants = { ["order-routing"] = "new-router" },
            ResponseHeaders = { new CapturedHeader { Name = "content-type", Value = "application/json" } },
            ResponseMessages = { new CapturedMessage { Text = "{\"id\":\"o-1\"}", Payload = ByteString.CopyFromUtf8("{\"id\":\"o-1\"}"), TypeName = "application/json", SizeBytes = 12 } },
        };
        foreach (var (name, value) in headers)
        {
            exchange.RequestHeaders.Add(new CapturedHeader { Name = name, Value = value });
        }
        if (headers.Any(h => h.Value.Contains("{{redacted}}", StringComparison.Ordinal)))
        {
            exchange.Redactions.AddRange(headers.Where(h => h.Value.Contains("{{redacted}}", StringComparison.Ordinal)).Select(h => "header:" + h.Name));
        }
        if (body.Length > 0)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            exchange.RequestMessages.Add(new CapturedMessage { Text = body, Payload = ByteString.CopyFrom(bytes), TypeName = "application/json", SizeBytes = bytes.Length });
            exchange.Redactions.Add("request:$.account");
        }
        return exchange;
    }

    private static CapturedExchange Grpc(string method, string callType, string authority, IMessage[] requests, string client, string unit, int offsetSeconds)
    {
        var exchange = new CapturedExchange
        {
            CaptureId = Guid.NewGuid().ToString("N"),
            ServiceName = "experiments",
            ClientId = client,
            UnitId = unit,
            Protocol = CaptureProtocol.Grpc,
            ApiName = method,
            HttpMethod = "POST",
            Path = "/" + method,
            Authority = authority,
            HttpVersion = "HTTP/2",
            GrpcCallType = callType,
            StatusCode = 0,
            StartTime = Timestamp.FromDateTime(Start.AddSeconds(offsetSeconds)),
            DurationMs = 3.5,
            RequestHeaders =
            {
                new CapturedHeader { Name = "content-type", Value = "application/grpc" },
                new CapturedHeader { Name = "te", Value = "trailers" },
                new CapturedHeader { Name = "user-agent", Value = "grpc-dotnet/2.85.0" },
                new CapturedHeader { Name = "grpc-timeout", Value = "30S" },
            },
        };
        foreach (var request in requests)
        {
            exchange.RequestMessages.Add(new CapturedMessage
            {
                Payload = request.ToByteString(),
                // The SDK records the JSON mapping; indented, as JsonFormatter may write it, to check exports compact it.
                Text = new JsonFormatter(JsonFormatter.Settings.Default.WithIndentation()).Format(request),
                TypeName = request.Descriptor.FullName,
                SizeBytes = request.CalculateSize(),
            });
        }
        return exchange;
    }
}
