using Experiments.Assignment.Definitions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Experiments.Assignment.Health;

/// <summary>Unhealthy until the definitions are loaded: before that, every call would only wait.</summary>
internal sealed class CatalogHealthCheck(ExperimentCatalog catalog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(catalog.Ready.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy(catalog.Ready.IsFaulted ? "loading the definitions failed" : "loading the definitions"));
}
