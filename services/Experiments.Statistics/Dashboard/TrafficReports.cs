using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// Reads how clients use the API from the ingestion service's Captures.GetTrafficReport, at
/// <c>Dashboard:IngestionAddress</c> (or, in Dapr mode, app <c>Dashboard:IngestionDaprAppId</c> through the sidecar) with
/// <c>Dashboard:IngestionApiKey</c> (which needs the capture scope). When ingestion
/// is not configured, refuses the call or cannot be reached, the result says so, with the status, instead of failing the page.
/// </summary>
internal sealed class TrafficReports(IOptions<DashboardOptions> dashboard, IServiceProvider services, TimeProvider time, ILogger<TrafficReports> logger)
{
    /// <summary>The report of the captures of <paramref name="serviceName"/> (empty: every service) over the last <paramref name="range"/>, or why there is none.</summary>
    public async Task<(TrafficReport? Report, string? Note)> GetAsync(string serviceName, TimeSpan range, CancellationToken cancellationToken)
    {
        var settings = dashboard.Value;
        var address = settings.IngestionTarget;
        if (!settings.HasIngestion)
        {
            return (null, "Traffic report unavailable: this statistics service has no ingestion service configured (Dashboard:IngestionAddress, or Dashboard:IngestionDaprAppId in Dapr mode).");
        }
        var client = services.GetRequiredService<Captures.CapturesClient>();
        var now = time.GetUtcNow();
        var request = new GetTrafficReportRequest
        {
            Filter = new CaptureFilter { ServiceName = serviceName, StartTime = Timestamp.FromDateTimeOffset(now - range) },
        };
        try
        {
            var report = await client.GetTrafficReportAsync(request, deadline: now.UtcDateTime + settings.TrafficTimeout, cancellationToken: cancellationToken);
            return (report, null);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            DashboardLog.TrafficUnavailable(logger, address, e.StatusCode, e.Status.Detail);
            return (null, $"Traffic report unavailable: the ingestion service at {address} answered {e.StatusCode}{Why(e.StatusCode)}.");
        }
        catch (HttpRequestException e) when (!cancellationToken.IsCancellationRequested)
        {
            DashboardLog.TrafficUnavailable(logger, address, StatusCode.Unavailable, e.Message);
            return (null, $"Traffic report unavailable: the ingestion service at {address} is unreachable.");
        }
    }

    private string Why(StatusCode status) => status switch
    {
        StatusCode.Unavailable => " (unreachable, or not serving)",
        StatusCode.Unauthenticated => " (Dashboard:IngestionApiKey is not a key it accepts)",
        StatusCode.PermissionDenied => " (Dashboard:IngestionApiKey lacks the capture scope)",
        StatusCode.Unimplemented => " (it serves no captures: an older version?)",
        StatusCode.DeadlineExceeded => $" (no answer within {dashboard.Value.TrafficTimeout.TotalSeconds:0.#} s, Dashboard:TrafficTimeout)",
        _ => "",
    };
}
