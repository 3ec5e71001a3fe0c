using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Experiments.ServiceDefaults.Dapr;

/// <summary>Unhealthy, with a short reason, while the Dapr sidecar does not answer (Dapr mode only).</summary>
internal sealed class DaprSidecarHealthCheck(DaprSidecarReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(readiness.NotAnswering));
}
