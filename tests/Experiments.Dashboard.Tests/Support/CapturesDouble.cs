using System.Collections.Concurrent;
using Experiments.Contracts.V1;
using Experiments.Testing;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Dashboard.Tests.Support;

/// <summary>
/// A test double of the ingestion service's Captures on a real loopback socket (<see cref="GrpcTestServer"/>):
/// GetTrafficReport answers the report set for the filter's service (<see cref="Reports"/>, "" for any other), or the
/// status set in <see cref="Refusals"/> for that service, and records every request with the key it carried. Everything
/// else is UNIMPLEMENTED (the generated base's answer). The statistics service reaches it as it reaches the real one.
/// </summary>
internal sealed class CapturesDouble : IAsyncDisposable
{
    private GrpcTestServer? _server;

    public ConcurrentDictionary<string, TrafficReport> Reports { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, StatusCode> Refusals { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<Received> Requests { get; } = new();

    public string Address => _server?.Address ?? throw new InvalidOperationException("Not started.");

    public static async Task<CapturesDouble> StartAsync()
    {
        var captures = new CapturesDouble();
        captures._server = await GrpcTestServer.StartAsync(
            services => services.AddSingleton(captures),
            app => app.MapGrpcService<FakeCaptures>(),
            loopback: true);
        return captures;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>One GetTrafficReport call as the double received it.</summary>
    internal sealed record Received(GetTrafficReportRequest Request, string Authorization, DateTimeOffset At);

    internal sealed class FakeCaptures(CapturesDouble captures) : Captures.CapturesBase
    {
        public override Task<TrafficReport> GetTrafficReport(GetTrafficReportRequest request, ServerCallContext context)
        {
            var service = request.Filter?.ServiceName ?? "";
            captures.Requests.Enqueue(new Received(request.Clone(), context.RequestHeaders.GetValue("authorization") ?? "", DateTimeOffset.UtcNow));
            if (captures.Refusals.TryGetValue(service, out var status))
            {
                throw new RpcException(new Status(status, "refused by the test double"));
            }
            return Task.FromResult((captures.Reports.GetValueOrDefault(service) ?? captures.Reports.GetValueOrDefault("") ?? new TrafficReport()).Clone());
        }
    }
}
