using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Dashboard.Tests.Traffic;

/// <summary>
/// The traffic report the Captures double serves: four clients of the trading backend in the order ingestion ranks them
/// (neither alphabetical nor by calls, so a page that re-sorted them would show), the first one over-represented among
/// the slowest calls and departing from the declared intended usage twice.
/// </summary>
internal static class SampleTraffic
{
    public const string Service = "trading-backend";
    public const string GetQuote = "trading.v1.TradingCore/GetQuote";
    public const string PlaceOrder = "POST /v1/orders";
    public const string GetPortfolio = "GET /v1/portfolio/{account}";

    public static readonly DateTimeOffset Start = new(2026, 12, 7, 14, 0, 0, TimeSpan.Zero);

    public static TrafficReport Report()
    {
        var report = new TrafficReport
        {
            StartTime = Timestamp.FromDateTimeOffset(Start),
            EndTime = Timestamp.FromDateTimeOffset(Start.AddMinutes(4)),
            ExchangeCount = 12_500,
            BucketSeconds = 60,
            IntendedUsage = new IntendedUsage
            {
                ServiceName = Service,
                Endpoints =
                {
                    new EndpointPolicy { ApiName = GetQuote, MaxCallsPerMinute = 60 },
                    new EndpointPolicy { ApiName = PlaceOrder, MustFollow = { GetPortfolio } },
                    new EndpointPolicy { ApiName = GetPortfolio },
                },
            },
            Endpoints =
            {
                new EndpointUsage { ApiName = GetQuote, CallCount = 9_000, Share = 0.72, ErrorCount = 40, P50LatencyMs = 8.4, P99LatencyMs = 212, SlowThresholdMs = 212, SlowCount = 90 },
                new EndpointUsage { ApiName = PlaceOrder, CallCount = 2_500, Share = 0.2, ErrorCount = 31, P50LatencyMs = 35.2, P99LatencyMs = 880, SlowThresholdMs = 880, SlowCount = 25 },
                new EndpointUsage { ApiName = GetPortfolio, CallCount = 1_000, Share = 0.08, ErrorCount = 0, P50LatencyMs = 5.1, P99LatencyMs = 19.7, SlowThresholdMs = 19.7, SlowCount = 10 },
            },
            Clients = { MobileIos(), Client("partner-batch", 2_750, 4, 0.22, 0.31, 0), Client("web-frontend", 6_875, 950, 0.55, 0.17, 0.004), Client("internal-cron", 1_875, 1, 0.15, 0.06, 0) },
        };
        report.Clients[1].Departures.Add(new UsageDeparture { Kind = UsageDepartureKind.Deprecated, ApiName = GetPortfolio, Count = 3, Detail = "still calls a deprecated endpoint" });
        return report;
    }

    /// <summary>The client the page selects first: 8% of calls, 46% of the slowest, two departures.</summary>
    private static ClientUsage MobileIos()
    {
        var client = Client("mobile-ios-7.2", 1_000, 310, 0.08, 0.46, 0.031);
        client.Endpoints.Add(new EndpointUsage { ApiName = GetQuote, CallCount = 700, Share = 0.7, ErrorCount = 12, P50LatencyMs = 12.34, P99LatencyMs = 456.7, SlowCount = 48 });
        client.Endpoints.Add(new EndpointUsage { ApiName = PlaceOrder, CallCount = 300, Share = 0.3, ErrorCount = 19, P50LatencyMs = 41.26, P99LatencyMs = 1234.5, SlowCount = 9 });
        client.Rate.Add(Point(0, 10));
        client.Rate.Add(Point(1, 650));
        client.Rate.Add(Point(2, 340));
        client.Rate.Add(Point(3, 0));
        client.Transitions.Add(new CallTransition { FromApiName = GetQuote, ToApiName = PlaceOrder, Count = 200, Share = 0.286 });
        client.Transitions.Add(new CallTransition { FromApiName = PlaceOrder, ToApiName = "", Count = 280, Share = 0.933 });
        client.Shapes.Add(new PayloadShape
        {
            ApiName = GetQuote,
            RequestFields = { new FieldPresence { Name = "symbol", Share = 1 }, new FieldPresence { Name = "venue", Share = 0.25 } },
            Headers = { new FieldPresence { Name = "authorization", Share = 1 }, new FieldPresence { Name = "x-client-version", Share = 0.9 } },
            RequestBytesP50 = 48,
            RequestBytesMax = 2048,
            ResponseBytesP50 = 1536,
            ResponseBytesMax = 3_500_000,
        });
        client.Departures.Add(new UsageDeparture { Kind = UsageDepartureKind.RateExceeded, ApiName = GetQuote, Count = 590, Detail = "peaked at 650 calls/min against a limit of 60" });
        client.Departures.Add(new UsageDeparture { Kind = UsageDepartureKind.OutOfOrder, ApiName = PlaceOrder, Count = 17, Detail = "17 orders placed without GET /v1/portfolio/{account} before them" });
        return client;
    }

    private static ClientUsage Client(string id, long calls, long units, double callShare, double slowestShare, double errorShare) => new()
    {
        ClientId = id, CallCount = calls, UnitCount = units, CallShare = callShare, SlowestShare = slowestShare, ErrorShare = errorShare,
    };

    private static RatePoint Point(int minute, long calls) => new() { StartTime = Timestamp.FromDateTimeOffset(Start.AddMinutes(minute)), CallCount = calls };
}
