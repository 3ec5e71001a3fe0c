namespace Experiments.ServiceDefaults.Clients;

/// <summary>Where a peer service is and how to call it.</summary>
/// <param name="Address">
/// Its gRPC address; in Dapr mode (with <paramref name="DaprAppId"/>) the sidecar's gRPC endpoint, which null means:
/// 127.0.0.1 on <c>Dapr:GrpcPort</c> or $DAPR_GRPC_PORT.
/// </param>
/// <param name="ApiKey">Sent as <c>authorization: Bearer</c>; none when empty.</param>
/// <param name="DaprAppId">
/// In Dapr mode, the peer's app id, sent as <c>dapr-app-id</c> so the sidecar proxies the call to it (Dapr's gRPC
/// proxying: the sidecar forwards any gRPC call carrying that metadata to the named app).
/// </param>
public sealed record PeerAddress(Uri? Address, string? ApiKey = null, string? DaprAppId = null);
