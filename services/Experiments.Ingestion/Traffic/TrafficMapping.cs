using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Ingestion.Traffic;

/// <summary>Protobuf ⇄ the traffic report's domain, at the edge of the Captures service.</summary>
internal static class TrafficMapping
{
    public static TrafficCall ToCall(CapturedExchange exchange)
    {
        var fields = new HashSet<string>(StringComparer.Ordinal);
        long requestBytes = 0, responseBytes = 0;
        foreach (var message in exchange.RequestMessages)
        {
            requestBytes += message.SizeBytes;
            JsonFieldPaths.AddTo(fields, message.Text);
        }
        foreach (var message in exchange.ResponseMessages)
        {
            responseBytes += message.SizeBytes;
        }
        var failed = exchange.Protocol == CaptureProtocol.Http ? exchange.StatusCode >= 500 : exchange.StatusCode != 0;
        return new TrafficCall(
            exchange.ClientId,
            exchange.UnitId,
            exchange.ApiName,
            exchange.StartTime.ToDateTimeOffset(),
            exchange.DurationMs,
            failed,
            fields,
            exchange.RequestHeaders.Select(h => h.Name.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList(),
            requestBytes,
            responseBytes);
    }

    public static UsagePolicy ToPolicy(IntendedUsage? usage) => usage is null
        ? UsagePolicy.None
        : new UsagePolicy(usage.Endpoints
            .Select(e => new EndpointRule(e.ApiName, e.MaxCallsPerMinute, e.MustFollow.ToList(), e.Deprecated, e.ReplacedBy))
            .ToList());

    public static TrafficReport ToReport(TrafficAnalysis analysis, IntendedUsage? usage)
    {
        var report = new TrafficReport
        {
            ExchangeCount = analysis.CallCount,
            BucketSeconds = analysis.BucketWidth.TotalSeconds,
            Endpoints = { analysis.Endpoints.Select(ToEndpoint) },
            Clients = { analysis.Clients.Select(ToClient) },
            IntendedUsage = usage ?? new IntendedUsage(),
        };
        if (analysis.Start is { } start && analysis.End is { } end)
        {
            report.StartTime = Timestamp.FromDateTimeOffset(start);
            report.EndTime = Timestamp.FromDateTimeOffset(end);
        }
        return report;
    }

    private static EndpointUsage ToEndpoint(EndpointStats e) => new()
    {
        ApiName = e.ApiName,
        CallCount = e.CallCount,
        Share = e.Share,
        ErrorCount = e.ErrorCount,
        P50LatencyMs = e.P50Ms,
        P99LatencyMs = e.P99Ms,
        SlowThresholdMs = e.SlowThresholdMs,
        SlowCount = e.SlowCount,
    };

    private static ClientUsage ToClient(ClientTraffic c) => new()
    {
        ClientId = c.ClientId,
        CallCount = c.CallCount,
        UnitCount = c.UnitCount,
        CallShare = c.CallShare,
        ErrorShare = c.ErrorShare,
        SlowestShare = c.SlowestShare,
        Endpoints = { c.Endpoints.Select(ToEndpoint) },
        Rate = { c.Rate.Select(r => new RatePoint { StartTime = Timestamp.FromDateTimeOffset(r.Start), CallCount = r.CallCount }) },
        Transitions = { c.Transitions.Select(t => new CallTransition { FromApiName = t.From, ToApiName = t.To, Count = t.Count, Share = t.Share }) },
        Shapes = { c.Shapes.Select(ToShape) },
        Departures = { c.Departures.Select(d => new UsageDeparture { Kind = ToKind(d.Kind), ApiName = d.ApiName, Count = d.Count, Detail = d.Detail }) },
    };

    private static PayloadShape ToShape(RequestShape s) => new()
    {
        ApiName = s.ApiName,
        RequestFields = { s.RequestFields.Select(p => new FieldPresence { Name = p.Name, Share = p.Share }) },
        Headers = { s.Headers.Select(p => new FieldPresence { Name = p.Name, Share = p.Share }) },
        RequestBytesP50 = s.RequestBytesP50,
        RequestBytesMax = s.RequestBytesMax,
        ResponseBytesP50 = s.ResponseBytesP50,
        ResponseBytesMax = s.ResponseBytesMax,
    };

    private static UsageDepartureKind ToKind(DepartureKind kind) => kind switch
    {
        DepartureKind.RateExceeded => UsageDepartureKind.RateExceeded,
        DepartureKind.OutOfOrder => UsageDepartureKind.OutOfOrder,
        DepartureKind.Deprecated => UsageDepartureKind.Deprecated,
        DepartureKind.Undeclared => UsageDepartureKind.Undeclared,
        _ => UsageDepartureKind.Unspecified,
    };
}
