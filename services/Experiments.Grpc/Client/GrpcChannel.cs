using System.Collections.Concurrent;
using Experiments.Grpc.Client;
using Experiments.Grpc.Protocol;

namespace Experiments.Grpc;

/// <summary>
/// A connection pool to one gRPC server address, over HTTP/2: <c>http://</c> speaks h2c with prior
/// knowledge, <c>https://</c> negotiates HTTP/2 over TLS. Create one per address and share it; calls are
/// made through <see cref="CreateCallInvoker"/> or a typed client.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly HttpClient? _httpClient;
    private readonly bool _disposeInvoker;
    private readonly ConcurrentDictionary<string, Uri> _methodUris = new(StringComparer.Ordinal);
    private readonly CallInvoker _callInvoker;
    private volatile bool _disposed;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        Address = address;
        MaxReceiveMessageSize = options.MaxReceiveMessageSize ?? int.MaxValue;
        MaxSendMessageSize = options.MaxSendMessageSize ?? int.MaxValue;
        RequestCompression = options.RequestCompression is null or GrpcProtocol.IdentityEncoding ? null : options.RequestCompression;
        if (options.HttpClient is { } client)
        {
            _httpClient = client;
            _invoker = client;
            _disposeInvoker = options.DisposeHttpHandler;
        }
        else if (options.HttpHandler is { } handler)
        {
            _invoker = new HttpMessageInvoker(handler, disposeHandler: options.DisposeHttpHandler);
            _disposeInvoker = true;
        }
        else
        {
            _invoker = new HttpMessageInvoker(CreateDefaultHandler(), disposeHandler: true);
            _disposeInvoker = true;
        }
        _callInvoker = new HttpClientCallInvoker(this);
    }

    /// <summary>The server's address.</summary>
    public Uri Address { get; }

    internal int MaxReceiveMessageSize { get; }

    internal int MaxSendMessageSize { get; }

    /// <summary>The encoding of request messages, or null for none.</summary>
    internal string? RequestCompression { get; }

    /// <summary>Creates a channel to <paramref name="address"/>, e.g. <c>http://localhost:5000</c>.</summary>
    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        return ForAddress(new Uri(address, UriKind.Absolute), options);
    }

    /// <summary>Creates a channel to <paramref name="address"/>, e.g. <c>https://assignment:5001</c>.</summary>
    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Address '{address}' must be an absolute http:// or https:// URI.", nameof(address));
        }
        options ??= new GrpcChannelOptions();
        if (options.HttpClient is not null && options.HttpHandler is not null)
        {
            throw new ArgumentException("Set HttpClient or HttpHandler, not both.", nameof(options));
        }
        if (options.RequestCompression is { } encoding && !MessageCompression.IsSupported(encoding))
        {
            throw new ArgumentException($"Request compression '{encoding}' is not supported; use gzip or deflate.", nameof(options));
        }
        if (options.MaxReceiveMessageSize < 0 || options.MaxSendMessageSize < 0)
        {
            throw new ArgumentException("Message size limits must not be negative.", nameof(options));
        }
        return new GrpcChannel(address, options);
    }

    /// <summary>The invoker that makes calls over this channel.</summary>
    public CallInvoker CreateCallInvoker()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _callInvoker;
    }

    /// <summary>Closes the channel's connections (when it owns its handler); calls still running fail.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_disposeInvoker)
        {
            _invoker.Dispose();
        }
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>The request URI of a method: the address's path (if any) followed by <c>/{service}/{method}</c>.</summary>
    internal Uri GetMethodUri(string fullName) =>
        _methodUris.GetOrAdd(fullName, static (name, address) => new Uri(address, address.AbsolutePath.TrimEnd('/') + name), Address);

    /// <summary>Sends a request and returns as soon as the response headers arrive.</summary>
    internal Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _httpClient is not null
            ? _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            : _invoker.SendAsync(request, cancellationToken);

    private static SocketsHttpHandler CreateDefaultHandler() => new()
    {
        // One HTTP/2 connection allows only so many concurrent streams (Kestrel: 100); open more when full.
        EnableMultipleHttp2Connections = true,
        // Connections stay open between calls; pings find dead ones while calls are running.
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        KeepAlivePingDelay = TimeSpan.FromSeconds(60),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    };
}
