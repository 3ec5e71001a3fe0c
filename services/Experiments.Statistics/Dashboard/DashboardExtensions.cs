using Experiments.Contracts.V1;
using Experiments.ServiceDefaults.Clients;
using Experiments.Statistics.Dashboard;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

public static class DashboardExtensions
{
    /// <summary>
    /// The verdict dashboard: web pages and their JSON, served by this process on its own HTTP/1.1 listener
    /// (<c>Dashboard:Urls</c>) so the gRPC endpoints keep speaking HTTP/2 only.
    /// </summary>
    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardOptions>().BindConfiguration("Dashboard");
        builder.Services.AddSingleton<AuditTrail>();
        builder.Services.AddSingleton<TrafficReports>();
        // Created only once the traffic page is asked for with Dashboard:IngestionAddress or IngestionDaprAppId set
        // (TrafficReports checks it first). With the app id and no address: through this process's own sidecar (gRPC proxying).
        builder.Services.AddPeerClient<Captures.CapturesClient>(provider =>
        {
            var settings = provider.GetRequiredService<IOptions<DashboardOptions>>().Value;
            return new PeerAddress(settings.IngestionAddress is { Length: > 0 } address ? new Uri(address) : null, settings.IngestionApiKey,
                settings.IngestionDaprAppId is { Length: > 0 } appId ? appId : null);
        });
        builder.Services.AddHostedService<DashboardServer>();
        return builder;
    }
}
