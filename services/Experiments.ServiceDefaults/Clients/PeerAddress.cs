namespace Experiments.ServiceDefaults.Clients;

/// <summary>Where a peer service is and how to call it.</summary>
/// <param name="Address">Its gRPC address (in Dapr mode, the sidecar's gRPC endpoint).</param>
/// <param name="ApiKey">Sent as <c>authorization: Bearer</c>; none when empty.</param>
/// <param name="DaprAppId">In Dapr mode, the peer's app id, sent as <c>dapr-app-id</c> so the sidecar routes the call.</param>
public sealed record PeerAddress(Uri Address, string? ApiKey = null, string? DaprAppId = null);
