using Experiments.Statistics.Dashboard;

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
        builder.Services.AddHostedService<DashboardServer>();
        return builder;
    }
}
