namespace Experiments.Assignment.Storage;

/// <summary>Chooses the store for the deployment mode: Dapr when the sidecar's HTTP port is configured, else SQLite.</summary>
internal static class ExperimentStores
{
    public const string SqliteFileName = "experiments.db";

    public static IExperimentStore Create(StorageOptions options) =>
        options.DaprHttpPort is { } port
            ? new DaprStateExperimentStore(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") }, options)
            : new SqliteExperimentStore(Path.Combine(options.DataFolder, SqliteFileName));
}
