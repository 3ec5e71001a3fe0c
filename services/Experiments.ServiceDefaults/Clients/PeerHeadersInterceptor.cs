using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Experiments.ServiceDefaults.Clients;

/// <summary>Adds the peer's API key and Dapr app id to every call that does not carry its own.</summary>
internal sealed class PeerHeadersInterceptor(PeerAddress peer) : Interceptor
{
    private readonly string? _authorization = string.IsNullOrEmpty(peer.ApiKey) ? null : "Bearer " + peer.ApiKey;

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithHeaders(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithHeaders(context));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithHeaders(context));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithHeaders(context));

    private ClientInterceptorContext<TRequest, TResponse> WithHeaders<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        var headers = context.Options.Headers ?? [];
        if (_authorization is not null && headers.Get("authorization") is null)
        {
            headers.Add("authorization", _authorization);
        }
        if (!string.IsNullOrEmpty(peer.DaprAppId) && headers.Get("dapr-app-id") is null)
        {
            headers.Add("dapr-app-id", peer.DaprAppId);
        }
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
    }
}
