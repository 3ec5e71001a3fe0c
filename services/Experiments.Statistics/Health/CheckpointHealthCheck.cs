using Experiments.Statistics.Checkpoints;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Experiments.Statistics.Health;

/// <summary>Unhealthy while the checkpoint store cannot take a write: what is counted would not survive a restart.</summary>
internal sealed class CheckpointHealthCheck(ICheckpointStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ProbeAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the checkpoint store cannot take a write: " + exception.Message);
        }
    }
}
