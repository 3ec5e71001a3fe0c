namespace Experiments.Assignment.Storage;

/// <summary>
/// Where definitions live. Local mode (the default): a SQLite file <c>experiments.db</c> in <c>Data:Folder</c>
/// (default <c>./data/assignment</c>). Dapr mode, chosen when <c>Dapr:HttpPort</c> is set: the sidecar's state
/// store named by <c>Dapr:StateStore</c> (default <c>statestore</c>) under the key prefix <c>Dapr:KeyPrefix</c>
/// (default <c>experiments</c>).
/// </summary>
public sealed class StorageOptions
{
    public string DataFolder { get; set; } = Path.Combine("data", "assignment");

    public int? DaprHttpPort { get; set; }

    public string DaprStateStore { get; set; } = "statestore";

    public string DaprKeyPrefix { get; set; } = "experiments";

    /// <summary>Dapr API token (<c>DAPR_API_TOKEN</c>), sent as <c>dapr-api-token</c> when set.</summary>
    public string? DaprApiToken { get; set; }
}
