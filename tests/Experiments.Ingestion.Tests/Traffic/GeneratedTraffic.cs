using System.Text.Json;
using Experiments.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Ingestion.Tests.Traffic;

/// <summary>
/// Twenty minutes of a trading backend's traffic from a seeded generator: two well-behaved clients whose units open a
/// portfolio, then quote and order; and one abusive client ("batch-bot") that bursts orders far over the declared rate
/// without opening the portfolio first, with slow calls, still uses the deprecated quote route and calls an undeclared one.
/// </summary>
internal static class GeneratedTraffic
{
    public const string Service = "trading";
    public const string Abuser = "batch-bot";
    public const string Portfolio = "trading.v1.TradingCore/GetPortfolio";
    public const string Order = "trading.v1.TradingCore/PlaceOrder";
    public const string Quote = "trading.v1.MarketData/GetQuote";
    public const string OldQuote = "GET /v1/quotes/{symbol}";
    public const string Debug = "POST /v1/debug/echo";

    public static IntendedUsage Usage() => new()
    {
        ServiceName = Service,
        Endpoints =
        {
            new EndpointPolicy { ApiName = Portfolio },
            new EndpointPolicy { ApiName = Order, MaxCallsPerMinute = 20, MustFollow = { Portfolio } },
            new EndpointPolicy { ApiName = Quote, MaxCallsPerMinute = 120 },
            new EndpointPolicy { ApiName = OldQuote, Deprecated = true, ReplacedBy = Quote },
        },
    };

    public static List<CapturedExchange> Generate(DateTimeOffset origin, int seed = 16)
    {
        var generator = new Generator(origin, new Random(seed));
        for (var u = 0; u < 30; u++)
        {
            generator.Session("web-app", $"w{u}", ["authorization", "user-agent"], "x-request-id");
        }
        for (var u = 0; u < 20; u++)
        {
            // Two of the mobile sessions come without a unit id: they count as calls but belong to no sequence.
            generator.Session("mobile-app", u < 2 ? "" : $"m{u}", ["authorization", "user-agent", "x-app-version"], null);
        }
        generator.Abuse();
        return generator.Exchanges.OrderBy(e => e.StartTime).ToList();
    }

    private sealed class Generator(DateTimeOffset origin, Random random)
    {
        private readonly HashSet<long> _usedMs = [];

        public List<CapturedExchange> Exchanges { get; } = [];

        public void Session(string client, string unit, string[] headers, string? optionalHeader)
        {
            var at = random.NextInt64(0, 17 * 60_000);
            at = Grpc(client, unit, Portfolio, at, Uniform(5, 30), 0, headers, optionalHeader, new { account = "acc-" + unit });
            for (var round = random.Next(1, 4); round > 0; round--)
            {
                at = Grpc(client, unit, Quote, at + random.Next(500, 4000), Uniform(2, 10), 0, headers, optionalHeader, new { symbol = "ACME" });
                var order = random.NextDouble() < 0.3
                    ? (object)new { account = "acc-" + unit, symbol = "ACME", quantity = random.Next(1, 50), legs = new[] { new { price = 10.5 } }, limitPrice = 11.0 }
                    : new { account = "acc-" + unit, symbol = "ACME", quantity = random.Next(1, 50), legs = new[] { new { price = 10.5 } } };
                at = Grpc(client, unit, Order, at + random.Next(500, 4000), Uniform(10, 60), random.NextDouble() < 0.05 ? 9 : 0, headers, optionalHeader, order);
            }
        }

        public void Abuse()
        {
            string[] headers = ["authorization", "user-agent"];
            // Unit b0: 60 orders in 45 seconds, minute 7, never opening the portfolio; slow.
            for (var i = 0; i < 60; i++)
            {
                Grpc(Abuser, "b0", Order, 7 * 60_000 + i * 750, Uniform(150, 400), random.NextDouble() < 0.1 ? 8 : 0, headers, null,
                    new { symbol = "ACME", quantity = 1, legs = new[] { new { price = 10.5 } } });
            }
            // Unit b1: the deprecated quote route, then an undeclared debug route.
            for (var i = 0; i < 40; i++)
            {
                Http(Abuser, "b1", OldQuote, "GET", 12 * 60_000 + i * 1_000, Uniform(5, 40), random.NextDouble() < 0.1 ? 503 : 200, headers, "");
            }
            for (var i = 0; i < 5; i++)
            {
                Http(Abuser, "b1", Debug, "POST", 13 * 60_000 + i * 2_000, Uniform(1, 5), 200, headers, """{"ping":"x","payload":{"blob":"AAAA"}}""");
            }
            // Unit b2: in order, but another burst of orders.
            var at = Grpc(Abuser, "b2", Portfolio, 15 * 60_000, Uniform(5, 30), 0, headers, null, new { account = "acc-b2" });
            for (var i = 0; i < 10; i++)
            {
                at = Grpc(Abuser, "b2", Order, at + 2_000, Uniform(100, 300), 0, headers, null, new { account = "acc-b2", symbol = "ACME", quantity = 2, legs = new[] { new { price = 10.5 } } });
            }
        }

        private double Uniform(double low, double high) => Math.Round(low + random.NextDouble() * (high - low), 3);

        private long Grpc(string client, string unit, string api, long atMs, double durationMs, int status, string[] headers, string? optionalHeader, object request)
        {
            var exchange = Base(client, unit, api, "POST", ref atMs, durationMs, status, headers, optionalHeader);
            exchange.Protocol = CaptureProtocol.Grpc;
            exchange.GrpcCallType = "UNARY";
            exchange.RequestMessages.Add(Message(JsonSerializer.Serialize(request), api));
            exchange.ResponseMessages.Add(new CapturedMessage { SizeBytes = random.Next(50, 500), OffsetMs = durationMs });
            return atMs;
        }

        private void Http(string client, string unit, string api, string method, long atMs, double durationMs, int status, string[] headers, string body)
        {
            var exchange = Base(client, unit, api, method, ref atMs, durationMs, status, headers, null);
            exchange.Protocol = CaptureProtocol.Http;
            if (body.Length > 0)
            {
                exchange.RequestMessages.Add(Message(body, "application/json"));
            }
            exchange.ResponseMessages.Add(new CapturedMessage { SizeBytes = random.Next(50, 500), OffsetMs = durationMs });
        }

        private CapturedExchange Base(string client, string unit, string api, string method, ref long atMs, double durationMs, int status, string[] headers, string? optionalHeader)
        {
            // Every call starts at its own millisecond, so "ordered by start time" has one answer.
            while (!_usedMs.Add(atMs))
            {
                atMs++;
            }
            var exchange = new CapturedExchange
            {
                CaptureId = $"cap-{Exchanges.Count:D5}",
                ServiceName = Service,
                ClientId = client,
                UnitId = unit,
                ApiName = api,
                HttpMethod = method,
                StartTime = Timestamp.FromDateTimeOffset(origin.AddMilliseconds(atMs)),
                DurationMs = durationMs,
                StatusCode = status,
                RequestHeaders = { headers.Select(h => new CapturedHeader { Name = h, Value = h == "authorization" ? "{{redacted}}" : "v" }) },
            };
            if (optionalHeader is not null && random.NextDouble() < 0.5)
            {
                exchange.RequestHeaders.Add(new CapturedHeader { Name = optionalHeader, Value = "v" });
            }
            Exchanges.Add(exchange);
            return exchange;
        }

        private static CapturedMessage Message(string text, string typeName) => new()
        {
            Payload = ByteString.CopyFromUtf8(text),
            Text = text,
            TypeName = typeName,
            SizeBytes = System.Text.Encoding.UTF8.GetByteCount(text),
        };
    }
}
