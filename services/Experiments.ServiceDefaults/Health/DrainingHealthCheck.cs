using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Experiments.ServiceDefaults.Health;

/// <summary>
/// Unhealthy from the moment the host begins to stop, so load balancers and peers watching grpc.health.v1 see
/// NOT_SERVING while in-flight calls drain, rather than SERVING until the port closes.
/// </summary>
internal sealed class DrainingHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("the service is shutting down")
            : HealthCheckResult.Healthy());
}
