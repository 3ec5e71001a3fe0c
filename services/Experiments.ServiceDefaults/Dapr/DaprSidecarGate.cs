using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Experiments.ServiceDefaults.Dapr;

/// <summary>
/// Answers every RPC but health and reflection UNAVAILABLE, with the sidecar hint, while the Dapr sidecar does not
/// answer: a caller learns at once what is missing instead of waiting for its deadline.
/// </summary>
internal sealed class DaprSidecarGate(DaprSidecarReadiness readiness) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        if (!readiness.IsReady && !context.Method.StartsWith("/grpc.health.", StringComparison.Ordinal) && !context.Method.StartsWith("/grpc.reflection.", StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, readiness.Waiting));
        }
    }
}
