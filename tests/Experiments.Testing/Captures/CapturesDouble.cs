using System.Collections.Concurrent;
using Experiments.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Testing.Captures;

/// <summary>
/// A double of experiments.v1.Captures. RecordCaptures stores the exchanges it receives (behind a gate a test can
/// close); ListCaptures pages through the stored exchanges (page tokens are offsets) with the filter applied;
/// GetTrafficReport answers the report set in <see cref="Reports"/> for the filter's service ("" for any other), or
/// the status set in <see cref="Refusals"/> for that service; the intended usage is kept per service. Every request
/// the double answers is recorded with the authorization header it carried.
/// </summary>
public sealed class CapturesDouble : IGrpcServiceDouble
{
    /// <summary>The update time SetIntendedUsage stamps, as ingestion stamps its own clock's.</summary>
    public static readonly DateTime UsageUpdateTime = new(2026, 12, 7, 15, 0, 0, DateTimeKind.Utc);

    private readonly Lock _lock = new();
    private readonly List<CapturedExchange> _exchanges = [];
    private readonly List<(IMessage Request, string Authorization)> _calls = [];
    private readonly Dictionary<string, IntendedUsage> _usages = new(StringComparer.Ordinal);
    private readonly CallGate _gate = new();
    private readonly ChangeSignal _changed = new();

    /// <summary>The stored exchanges (recorded by RecordCaptures or added by the test), in arrival order.</summary>
    public IReadOnlyList<CapturedExchange> Exchanges
    {
        get
        {
            lock (_lock)
            {
                return [.. _exchanges];
            }
        }
    }

    /// <summary>Each request the double answered, in arrival order.</summary>
    public IReadOnlyList<IMessage> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls.Select(c => c.Request)];
            }
        }
    }

    /// <summary>The authorization header of each request in <see cref="Requests"/> ("" when it had none).</summary>
    public IReadOnlyList<string> Authorizations
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls.Select(c => c.Authorization)];
            }
        }
    }

    /// <summary>Each <typeparamref name="TRequest"/> the double answered, with the authorization header it carried.</summary>
    public IReadOnlyList<(TRequest Request, string Authorization)> Received<TRequest>()
        where TRequest : IMessage
    {
        lock (_lock)
        {
            return [.. _calls.Where(c => c.Request is TRequest).Select(c => ((TRequest)c.Request, c.Authorization))];
        }
    }

    /// <summary>The report GetTrafficReport answers per filter service; "" answers for a service with no entry.</summary>
    public ConcurrentDictionary<string, TrafficReport> Reports { get; } = new(StringComparer.Ordinal);

    /// <summary>The status GetTrafficReport fails with for a filter service.</summary>
    public ConcurrentDictionary<string, StatusCode> Refusals { get; } = new(StringComparer.Ordinal);

    /// <summary>Stores exchanges as if recorded, for ListCaptures to answer.</summary>
    public void Add(params IEnumerable<CapturedExchange> exchanges)
    {
        lock (_lock)
        {
            _exchanges.AddRange(exchanges);
        }
        _changed.Notify();
    }

    /// <summary>RecordCaptures answers nothing until <see cref="Release"/>.</summary>
    public void Block() => _gate.Close();

    public void Release() => _gate.Open();

    /// <summary>Completes when <paramref name="condition"/> holds for the stored exchanges.</summary>
    public Task WaitForAsync(Func<IReadOnlyList<CapturedExchange>, bool> condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return _changed.WaitUntilAsync(() => condition(Exchanges), cancellationToken);
    }

    /// <summary>Serves this double alone, in memory or on 127.0.0.1 (<paramref name="loopback"/>).</summary>
    public Task<GrpcTestServer> StartAsync(bool loopback = false) => GrpcTestServer.StartAsync([this], loopback);

    public void AddTo(IServiceCollection services) => services.AddSingleton(this);

    public void Map(IEndpointRouteBuilder endpoints) => endpoints.MapGrpcService<Service>();

    private void Record(IMessage request, ServerCallContext context)
    {
        lock (_lock)
        {
            _calls.Add((request, context.RequestHeaders.GetValue("authorization") ?? ""));
        }
    }

    private static bool Matches(CaptureFilter? filter, CapturedExchange exchange) =>
        filter is null
        || ((filter.ServiceName.Length == 0 || filter.ServiceName == exchange.ServiceName)
            && (filter.ClientIds.Count == 0 || filter.ClientIds.Contains(exchange.ClientId))
            && (filter.ApiNames.Count == 0 || filter.ApiNames.Contains(exchange.ApiName)));

    private sealed class Service(CapturesDouble captures) : Contracts.V1.Captures.CapturesBase
    {
        public override async Task<RecordCapturesResponse> RecordCaptures(RecordCapturesRequest request, ServerCallContext context)
        {
            await captures._gate.PassAsync(context.CancellationToken).ConfigureAwait(false);
            captures.Record(request, context);
            captures.Add(request.Exchanges);
            return new RecordCapturesResponse { AcceptedCount = request.Exchanges.Count };
        }

        public override Task<ListCapturesResponse> ListCaptures(ListCapturesRequest request, ServerCallContext context)
        {
            captures.Record(request, context);
            var offset = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken, System.Globalization.CultureInfo.InvariantCulture);
            var size = request.PageSize switch { <= 0 => 100, > 1000 => 1000, _ => request.PageSize };
            var matching = captures.Exchanges.Where(e => Matches(request.Filter, e)).ToList();
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
            captures.Record(request, context);
            var service = request.Filter?.ServiceName ?? "";
            if (captures.Refusals.TryGetValue(service, out var status))
            {
                throw new RpcException(new Status(status, "refused by the test double"));
            }
            return Task.FromResult((captures.Reports.GetValueOrDefault(service) ?? captures.Reports.GetValueOrDefault("") ?? new TrafficReport()).Clone());
        }

        public override Task<IntendedUsage> SetIntendedUsage(SetIntendedUsageRequest request, ServerCallContext context)
        {
            captures.Record(request, context);
            var stored = request.Usage.Clone();
            stored.UpdateTime = Timestamp.FromDateTime(UsageUpdateTime);
            lock (captures._lock)
            {
                captures._usages[stored.ServiceName] = stored;
            }
            return Task.FromResult(stored);
        }

        public override Task<IntendedUsage> GetIntendedUsage(GetIntendedUsageRequest request, ServerCallContext context)
        {
            captures.Record(request, context);
            lock (captures._lock)
            {
                return Task.FromResult(captures._usages.TryGetValue(request.ServiceName, out var usage) ? usage : new IntendedUsage { ServiceName = request.ServiceName });
            }
        }
    }
}
