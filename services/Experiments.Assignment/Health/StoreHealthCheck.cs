using Experiments.Assignment.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Experiments.Assignment.Health;

/// <summary>Unhealthy while the definitions store cannot take a write: no experiment could be changed.</summary>
internal sealed class StoreHealthCheck(IExperimentStore store) : IHealthCheck
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
            return HealthCheckResult.Unhealthy("the definitions store cannot take a write: " + exception.Message);
        }
    }
}
