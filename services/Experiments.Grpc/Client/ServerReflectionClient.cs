using Grpc.Reflection.V1;

namespace Experiments.Grpc;

/// <summary>A client of grpc.reflection.v1.ServerReflection (grpc/grpc doc/server-reflection.md).</summary>
public sealed class ServerReflectionClient(CallInvoker callInvoker) : ClientBase(callInvoker)
{
    private static readonly Method<ServerReflectionRequest, ServerReflectionResponse> ServerReflectionInfoMethod =
        Method<ServerReflectionRequest, ServerReflectionResponse>.FromDescriptor(
            ReflectionReflection.Descriptor.Services[0].FindMethodByName("ServerReflectionInfo"));

    /// <summary>A client that calls over <paramref name="channel"/>.</summary>
    public ServerReflectionClient(GrpcChannel channel)
        : this((channel ?? throw new ArgumentNullException(nameof(channel))).CreateCallInvoker())
    {
    }

    /// <summary>Asks reflection questions (list services, file by name or symbol, ...); one response per request.</summary>
    public AsyncDuplexStreamingCall<ServerReflectionRequest, ServerReflectionResponse> ServerReflectionInfo(
        Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        ServerReflectionInfo(new CallOptions(headers, deadline, cancellationToken));

    /// <inheritdoc cref="ServerReflectionInfo(Metadata?, DateTime?, CancellationToken)"/>
    public AsyncDuplexStreamingCall<ServerReflectionRequest, ServerReflectionResponse> ServerReflectionInfo(CallOptions options) =>
        CallInvoker.AsyncDuplexStreamingCall(ServerReflectionInfoMethod, options);
}
