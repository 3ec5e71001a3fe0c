using Experiments.Contracts.V1;

namespace Experiments.Clients.Traffic;

/// <summary>
/// The recorded request headers an export sends again: not the pseudo-headers and connection-level ones the client
/// sets itself (host, content-length, te …), and for gRPC not those grpcurl owns (content-type, user-agent,
/// grpc-timeout, encodings) — repeating them would send them twice or contradict the client.
/// </summary>
internal static class ExportedHeaders
{
    private static readonly HashSet<string> ConnectionHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-length", "connection", "keep-alive", "transfer-encoding", "te", "upgrade",
        "proxy-connection", "http2-settings", "expect",
    };

    private static readonly HashSet<string> GrpcClientHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-type", "user-agent", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "accept-encoding",
    };

    public static IEnumerable<CapturedHeaderText> For(CapturedExchange exchange)
    {
        var grpc = exchange.Protocol == CaptureProtocol.Grpc;
        foreach (var header in exchange.RequestHeaders)
        {
            if (header.Name.StartsWith(':') || ConnectionHeaders.Contains(header.Name) || (grpc && GrpcClientHeaders.Contains(header.Name)))
            {
                continue;
            }
            yield return new CapturedHeaderText(header.Name, header.Value);
        }
    }
}
