using Experiments.Statistics.Definitions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Experiments.Statistics.Health;

/// <summary>
/// Degraded while the definitions stream from the assignment service is down: verdicts are still served from what
/// was counted, but new experiments are not seen and automatic rollback cannot act. Degraded rather than
/// unhealthy, so a restarting assignment service does not take statistics out of rotation.
/// </summary>
internal sealed class AssignmentHealthCheck(DefinitionsWatcher watcher) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(watcher.Connected
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded("the definitions stream from the assignment service is down"));
}
