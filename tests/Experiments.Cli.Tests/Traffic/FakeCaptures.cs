using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Cli.Tests.Traffic;

/// <summary>
/// A double of experiments.v1.Captures: ListCaptures pages through <see cref="Exchanges"/> (page tokens are offsets),
/// GetTrafficReport answers <see cref="Report"/>, the intended usage is kept per service. Requests and the
/// authorization header of each call are recorded.
/// </summary>
public sealed class FakeCaptures : Captures.CapturesBase
{
    private readonly Dictionary<string, IntendedUsage> _usages = new(StringComparer.Ordinal);

    public List<CapturedExchange> Exchanges { get; } = [];

    public TrafficReport Report { get; set; } = new();

    public List<object> Requests { get; } = [];

    public List<string?> Authorizations { get; } = [];

    public override Task<ListCapturesResponse> ListCaptures(ListCapturesRequest request, ServerCallContext context)
    {
        Record(request, context);
        var offset = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken, System.Globalization.CultureInfo.InvariantCulture);
        var size = request.PageSize is > 0 and <= 1000 ? request.PageSize : request.PageSize > 1000 ? 1000 : 100;
        var matching = Exchanges.Where(e => Matches(request.Filter, e)).ToList();
        var response = new ListCapturesResponse();
        response.Exchanges.AddRange(matching.Skip(offset).Take(size));
        if (offset + size < matching.Count)
        {
            response.NextPageToken = (offset + size).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return Task.FromResult(response);
    }

    public override Task<TrafficReport> GetTrafficReport(GetTrafficReportRequest request, ServerCallContext context)
    {
        Record(request, context);
        return Task.FromResult(Report);
    }

    public override Task<IntendedUsage> SetIntendedUsage(SetIntendedUsageRequest request, ServerCallContext context)
    {
        Record(request, context);
        var stored = request.Usage.Clone();
        stored.UpdateTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(new DateTime(2026, 12, 7, 15, 0, 0, DateTimeKind.Utc));
        lock (_usages)
        {
            _usages[stored.ServiceName] = stored;
        }
        return Task.FromResult(stored);
    }

    public override Task<IntendedUsage> GetIntendedUsage(GetIntendedUsageRequest request, ServerCallContext context)
    {
        Record(request, context);
        lock (_usages)
        {
            return Task.FromResult(_usages.TryGetValue(request.ServiceName, out var usage) ? usage : new IntendedUsage { ServiceName = request.ServiceName });
        }
    }

    private void Record(object request, ServerCallContext context)
    {
        lock (Requests)
        {
            Requests.Add(request);
            Authorizations.Add(context.RequestHeaders.GetValue("authorization"));
        }
    }

    private static bool Matches(CaptureFilter? filter, CapturedExchange exchange) =>
        filter is null
        || ((filter.ServiceName.Length == 0 || filter.ServiceName == exchange.ServiceName)
            && (filter.ClientIds.Count == 0 || filter.ClientIds.Contains(exchange.ClientId))
            && (filter.ApiNames.Count == 0 || filter.ApiNames.Contains(exchange.ApiName)));
}
