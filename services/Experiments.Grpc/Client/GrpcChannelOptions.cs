namespace Experiments.Grpc;

/// <summary>
/// Options of a <see cref="GrpcChannel"/>. Defaults: a pooled SocketsHttpHandler with several HTTP/2
/// connections and keep-alive pings, 4 MiB receive limit, no send limit, uncompressed requests.
/// </summary>
public sealed class GrpcChannelOptions
{
    /// <summary>
    /// The handler that sends the HTTP/2 requests, e.g. a SocketsHttpHandler with TLS settings or a test
    /// server's handler. Null gives the default handler. Not together with <see cref="HttpClient"/>.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>
    /// An HttpClient to send the requests with, instead of <see cref="HttpHandler"/>. Its
    /// <see cref="HttpClient.Timeout"/> applies to whole calls, streams included.
    /// </summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Dispose <see cref="HttpHandler"/> or <see cref="HttpClient"/> with the channel. Default false.</summary>
    public bool DisposeHttpHandler { get; set; }

    /// <summary>Largest response message accepted, in bytes (after decompression); null means no limit. Default 4 MiB.</summary>
    public int? MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest request message sent, in bytes; null (the default) means no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Compress request messages with <c>gzip</c> or <c>deflate</c>; null (the default) sends them uncompressed.</summary>
    public string? RequestCompression { get; set; }
}
