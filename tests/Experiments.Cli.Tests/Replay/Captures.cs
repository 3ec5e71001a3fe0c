using Experiments.Contracts.V1;
using Experiments.Evaluation.Replay;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Cli.Tests.Replay;

/// <summary>Capture files as the SDK records them (redacted authorization, the variant served), written as JSON Lines.</summary>
internal static class Captures
{
    public static CapturedExchange Assign(int i, DateTimeOffset start)
    {
        var request = new AssignRequest { Context = new EvaluationContext { UserId = "user-" + i }, FlagKeys = { ReplayBackend.Flag } };
        var exchange = new CapturedExchange
        {
            CaptureId = "grpc-" + i,
            ServiceName = "trading",
            ClientId = "mobile",
            Protocol = CaptureProtocol.Grpc,
            ApiName = "experiments.v1.Assignment/Assign",
            HttpMethod = "POST",
            Path = "/experiments.v1.Assignment/Assign",
            Authority = "trading.internal:5000",
            HttpVersion = "HTTP/2",
            GrpcCallType = "UNARY",
            RequestHeaders =
            {
                new CapturedHeader { Name = ":authority", Value = "trading.internal:5000" },
                new CapturedHeader { Name = "content-type", Value = "application/grpc" },
                new CapturedHeader { Name = "te", Value = "trailers" },
                new CapturedHeader { Name = "authorization", Value = "{{redacted}}" },
                // A replay recorded by mistake: its stale headers must not travel again.
                new CapturedHeader { Name = ReplayToken.VariantHeader, Value = "order-routing=stale" },
                new CapturedHeader { Name = "x-client-version", Value = "4.2.0" },
            },
            RequestMessages = { new CapturedMessage { Payload = request.ToByteString(), TypeName = "experiments.v1.AssignRequest", Text = JsonFormatter.Default.Format(request) } },
            StatusCode = 0,
            StartTime = Timestamp.FromDateTimeOffset(start.AddMilliseconds(2 * i)),
            DurationMs = 1.5,
            Variants = { [ReplayBackend.Flag] = ReplayBackend.Control },
            Redactions = { "header:authorization" },
        };
        return exchange;
    }

    public static CapturedExchange Portfolio(int i, DateTimeOffset start) => new()
    {
        CaptureId = "http-" + i,
        ServiceName = "trading",
        ClientId = "web",
        Protocol = CaptureProtocol.Http,
        ApiName = "GET /v1/portfolio/{account}",
        HttpMethod = "GET",
        Path = "/v1/portfolio/" + i + "?currency=EUR",
        HttpVersion = "HTTP/2",
        RequestHeaders =
        {
            new CapturedHeader { Name = "authorization", Value = "{{redacted}}" },
            new CapturedHeader { Name = "accept", Value = "application/json" },
        },
        StatusCode = 200,
        StartTime = Timestamp.FromDateTimeOffset(start.AddMilliseconds(2 * i + 1)),
        Variants = { [ReplayBackend.Flag] = ReplayBackend.Control },
    };

    public static string Write(string path, IEnumerable<CapturedExchange> exchanges)
    {
        File.WriteAllLines(path, exchanges.Select(e => JsonFormatter.Default.Format(e)));
        return path;
    }
}
