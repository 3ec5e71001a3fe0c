using Google.Protobuf;

namespace Experiments.Grpc.Client;

/// <summary>Makes calls over a <see cref="GrpcChannel"/>'s HTTP/2 connections.</summary>
internal sealed class HttpClientCallInvoker(GrpcChannel channel) : CallInvoker
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options, TRequest request)
    {
        using var call = AsyncUnaryCall(method, options, request);
        return call.ResponseAsync.GetAwaiter().GetResult();
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options, TRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = CreateCall(method, options);
        var response = call.StartUnary(request);
        return new AsyncUnaryCall<TResponse>(
            response, Callbacks<TRequest, TResponse>.ResponseHeaders, Callbacks<TRequest, TResponse>.Status,
            Callbacks<TRequest, TResponse>.Trailers, Callbacks<TRequest, TResponse>.Dispose, call);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options, TRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = CreateCall(method, options);
        call.StartServerStreaming(request);
        return new AsyncServerStreamingCall<TResponse>(
            new ResponseStreamReader<TRequest, TResponse>(call), Callbacks<TRequest, TResponse>.ResponseHeaders,
            Callbacks<TRequest, TResponse>.Status, Callbacks<TRequest, TResponse>.Trailers, Callbacks<TRequest, TResponse>.Dispose, call);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options)
    {
        var call = CreateCall(method, options);
        var response = call.StartClientStreaming();
        return new AsyncClientStreamingCall<TRequest, TResponse>(
            new RequestStreamWriter<TRequest, TResponse>(call, options.WriteOptions), response, Callbacks<TRequest, TResponse>.ResponseHeaders,
            Callbacks<TRequest, TResponse>.Status, Callbacks<TRequest, TResponse>.Trailers, Callbacks<TRequest, TResponse>.Dispose, call);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options)
    {
        var call = CreateCall(method, options);
        call.StartDuplexStreaming();
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            new RequestStreamWriter<TRequest, TResponse>(call, options.WriteOptions), new ResponseStreamReader<TRequest, TResponse>(call),
            Callbacks<TRequest, TResponse>.ResponseHeaders, Callbacks<TRequest, TResponse>.Status, Callbacks<TRequest, TResponse>.Trailers,
            Callbacks<TRequest, TResponse>.Dispose, call);
    }

    private GrpcCall<TRequest, TResponse> CreateCall<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        channel.ThrowIfDisposed();
        return new GrpcCall<TRequest, TResponse>(channel, method, options);
    }

    /// <summary>Static callbacks for the call objects: one delegate per closed generic type, never per call.</summary>
    private static class Callbacks<TRequest, TResponse>
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        public static readonly Func<object, Task<Metadata>> ResponseHeaders = static call => ((GrpcCall<TRequest, TResponse>)call).GetResponseHeadersAsync();
        public static readonly Func<object, Status> Status = static call => ((GrpcCall<TRequest, TResponse>)call).GetStatus();
        public static readonly Func<object, Metadata> Trailers = static call => ((GrpcCall<TRequest, TResponse>)call).GetTrailers();
        public static readonly Action<object> Dispose = static call => ((GrpcCall<TRequest, TResponse>)call).Cancel(ClientStatuses.Cancelled);
    }
}
