namespace Experiments.Grpc.Tests.Integration.Client;

/// <summary>
/// Sits between our client and the server's handler and keeps the raw bodies of unary calls, so tests can
/// read the compressed flag of each message as it travelled.
/// </summary>
public sealed class FrameRecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public byte[] RequestBody { get; private set; } = [];

    public byte[] ResponseBody { get; private set; } = [];

    public string? RequestEncoding { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Buffering a content keeps it readable: the bytes read here are the bytes sent and received.
        RequestBody = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
        RequestEncoding = request.Headers.TryGetValues("grpc-encoding", out var values) ? values.Single() : null;
        var response = await base.SendAsync(request, cancellationToken);
        ResponseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return response;
    }
}
