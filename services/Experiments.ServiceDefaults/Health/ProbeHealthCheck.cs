using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Experiments.ServiceDefaults.Health;

/// <summary>Healthy while a probe of a store (or any dependency) completes; unhealthy with its error otherwise.</summary>
internal sealed class ProbeHealthCheck(Func<CancellationToken, Task> probe, string whatFails) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await probe(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy(whatFails + ": " + exception.Message);
        }
    }
}
