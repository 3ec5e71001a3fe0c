using Dapr.Client;
using Experiments.ServiceDefaults.Dapr;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Assignment.Storage;

/// <summary>Chooses the store for the deployment mode: Dapr (through DaprClient) when the sidecar's HTTP port is configured, else SQLite.</summary>
internal static class ExperimentStores
{
    public const string SqliteFileName = "experiments.db";

    public static IExperimentStore Create(IServiceProvider services, StorageOptions options) =>
        options.DaprHttpPort is not null
            ? new DaprStateExperimentStore(services.GetRequiredService<DaprClient>(), services.GetRequiredService<DaprSidecarReadiness>(), options)
            : new SqliteExperimentStore(Path.Combine(options.DataFolder, SqliteFileName));
}
