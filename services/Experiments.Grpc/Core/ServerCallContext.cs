using Microsoft.AspNetCore.Http;

namespace Experiments.Grpc;

/// <summary>What a handler knows about the call it serves, and how it shapes the response's metadata.</summary>
public abstract class ServerCallContext
{
    /// <summary>The method's path, <c>/{service}/{method}</c>.</summary>
    public abstract string Method { get; }

    public abstract string Host { get; }

    /// <summary>The peer's address, e.g. <c>ipv4:127.0.0.1:5123</c>.</summary>
    public abstract string Peer { get; }

    /// <summary>When the call's deadline passes (UTC); <see cref="DateTime.MaxValue"/> when it has none.</summary>
    public abstract DateTime Deadline { get; }

    public abstract Metadata RequestHeaders { get; }

    /// <summary>Cancelled when the client cancels, the deadline passes or the connection drops.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>Trailers sent with the status at the end of the call.</summary>
    public abstract Metadata ResponseTrailers { get; }

    /// <summary>The status the call ends with when the handler returns normally.</summary>
    public abstract Status Status { get; set; }

    /// <summary>Options for response messages (e.g. <see cref="WriteFlags.NoCompress"/>).</summary>
    public abstract WriteOptions? WriteOptions { get; set; }

    /// <summary>State for interceptors and handlers to share during the call.</summary>
    public abstract IDictionary<object, object> UserState { get; }

    /// <summary>The HTTP context the call runs on.</summary>
    public abstract HttpContext HttpContext { get; }

    /// <summary>Sends the response headers now; may be called once, before the first response message.</summary>
    public abstract Task WriteResponseHeadersAsync(Metadata responseHeaders);
}
