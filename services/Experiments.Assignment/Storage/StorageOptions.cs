namespace Experiments.Assignment.Storage;

/// <summary>
/// Where definitions live. Local mode (the default): a SQLite file <c>experiments.db</c> in <c>Data:Folder</c>
/// (default <c>./data/assignment</c>). Dapr mode, chosen when <c>Dapr:HttpPort</c> is set: the sidecar's state
/// store named by <c>Dapr:StateStore</c> (default <c>statestore</c>) under the key prefix <c>Dapr:KeyPrefix</c>
/// (default <c>experiments</c>); the sidecar's gRPC port and token are <c>Dapr:GrpcPort</c> and <c>Dapr:ApiToken</c>
/// (or daprd's $DAPR_GRPC_PORT and $DAPR_API_TOKEN).
/// </summary>
public sealed class StorageOptions
{
    /// <summary>Set from <c>Data:Folder</c>, resolved against the content root (ServiceDefaults' DataFolder.Resolve).</summary>
    public string DataFolder { get; set; } = "";

    public int? DaprHttpPort { get; set; }

    public string DaprStateStore { get; set; } = "statestore";

    public string DaprKeyPrefix { get; set; } = "experiments";
}
