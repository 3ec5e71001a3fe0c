namespace Experiments.Grpc.Server;

/// <summary>
/// Options of the gRPC server, bound from the <c>Grpc</c> configuration section.
/// Defaults: 4 MiB receive limit, no send limit, no response compression, no detailed errors.
/// </summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted, in bytes (after decompression); larger → RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent, in bytes; null means no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Compress responses with this encoding (gzip or deflate) when the client accepts it.</summary>
    public string? ResponseCompressionAlgorithm { get; set; }

    /// <summary>Send exception messages of unhandled handler errors to clients (development only).</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>Interceptor types, outermost first; resolved once from the container (singletons).</summary>
    public IList<Type> Interceptors { get; } = [];
}
