using System.Reflection;
using Experiments.Grpc.Protocol;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Experiments.Grpc.Server;

/// <summary>Serves one method: checks the request, runs the handler through the interceptors, ends the call.</summary>
internal sealed class ServerMethodHandler<TService, TRequest, TResponse>
    where TService : class
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly UnaryServerMethod<TRequest, TResponse>? _unary;
    private readonly ClientStreamingServerMethod<TRequest, TResponse>? _clientStreaming;
    private readonly ServerStreamingServerMethod<TRequest, TResponse>? _serverStreaming;
    private readonly DuplexStreamingServerMethod<TRequest, TResponse>? _duplex;

    public ServerMethodHandler(
        Method<TRequest, TResponse> method,
        MethodInfo handler,
        ServiceActivator<TService> activator,
        IReadOnlyList<Interceptor> interceptors,
        GrpcServerOptions options,
        ILogger logger)
    {
        _method = method;
        _options = options;
        _logger = logger;
        switch (method.Type)
        {
            case MethodType.Unary:
            {
                var invoke = handler.CreateDelegate<Func<TService, TRequest, ServerCallContext, Task<TResponse>>>();
                UnaryServerMethod<TRequest, TResponse> pipeline = activator.OwnsInstances
                    ? async (request, context) =>
                    {
                        var service = activator.Create(context.HttpContext);
                        try { return await invoke(service, request, context).ConfigureAwait(false); }
                        finally { await ServiceActivator<TService>.ReleaseAsync(service).ConfigureAwait(false); }
                    }
                    : (request, context) => invoke(activator.Create(context.HttpContext), request, context);
                for (var i = interceptors.Count - 1; i >= 0; i--)
                {
                    var (interceptor, next) = (interceptors[i], pipeline);
                    pipeline = (request, context) => interceptor.UnaryServerHandler(request, context, next);
                }
                _unary = pipeline;
                break;
            }
            case MethodType.ClientStreaming:
            {
                var invoke = handler.CreateDelegate<Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>>>();
                ClientStreamingServerMethod<TRequest, TResponse> pipeline = activator.OwnsInstances
                    ? async (requests, context) =>
                    {
                        var service = activator.Create(context.HttpContext);
                        try { return await invoke(service, requests, context).ConfigureAwait(false); }
                        finally { await ServiceActivator<TService>.ReleaseAsync(service).ConfigureAwait(false); }
                    }
                    : (requests, context) => invoke(activator.Create(context.HttpContext), requests, context);
                for (var i = interceptors.Count - 1; i >= 0; i--)
                {
                    var (interceptor, next) = (interceptors[i], pipeline);
                    pipeline = (requests, context) => interceptor.ClientStreamingServerHandler(requests, context, next);
                }
                _clientStreaming = pipeline;
                break;
            }
            case MethodType.ServerStreaming:
            {
                var invoke = handler.CreateDelegate<Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task>>();
                ServerStreamingServerMethod<TRequest, TResponse> pipeline = activator.OwnsInstances
                    ? async (request, responses, context) =>
                    {
                        var service = activator.Create(context.HttpContext);
                        try { await invoke(service, request, responses, context).ConfigureAwait(false); }
                        finally { await ServiceActivator<TService>.ReleaseAsync(service).ConfigureAwait(false); }
                    }
                    : (request, responses, context) => invoke(activator.Create(context.HttpContext), request, responses, context);
                for (var i = interceptors.Count - 1; i >= 0; i--)
                {
                    var (interceptor, next) = (interceptors[i], pipeline);
                    pipeline = (request, responses, context) => interceptor.ServerStreamingServerHandler(request, responses, context, next);
                }
                _serverStreaming = pipeline;
                break;
            }
            case MethodType.DuplexStreaming:
            {
                var invoke = handler.CreateDelegate<Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task>>();
                DuplexStreamingServerMethod<TRequest, TResponse> pipeline = activator.OwnsInstances
                    ? async (requests, responses, context) =>
                    {
                        var service = activator.Create(context.HttpContext);
                        try { await invoke(service, requests, responses, context).ConfigureAwait(false); }
                        finally { await ServiceActivator<TService>.ReleaseAsync(service).ConfigureAwait(false); }
                    }
                    : (requests, responses, context) => invoke(activator.Create(context.HttpContext), requests, responses, context);
                for (var i = interceptors.Count - 1; i >= 0; i--)
                {
                    var (interceptor, next) = (interceptors[i], pipeline);
                    pipeline = (requests, responses, context) => interceptor.DuplexStreamingServerHandler(requests, responses, context, next);
                }
                _duplex = pipeline;
                break;
            }
        }
    }

    public async Task HandleCallAsync(HttpContext http)
    {
        if (!GrpcProtocol.IsGrpcContentType(http.Request.ContentType))
        {
            GrpcServerLog.UnsupportedContentType(_logger, http.Request.Path, http.Request.ContentType);
            await ProtocolErrors.WriteUnsupportedMediaTypeAsync(http).ConfigureAwait(false);
            return;
        }
        var call = new HttpServerCallContext(http, _options, _method.FullName, _logger);
        try
        {
            call.Initialize(streamingRequest: _method.Type is MethodType.ClientStreaming or MethodType.DuplexStreaming);
            var run = RunAsync(call);
            if (call.HasDeadline)
            {
                await call.RunWithDeadlineAsync(run).ConfigureAwait(false);
            }
            else
            {
                await run.ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            call.SetError(ex);
        }
        await call.EndCallAsync().ConfigureAwait(false);
    }

    private async Task RunAsync(HttpServerCallContext call)
    {
        switch (_method.Type)
        {
            case MethodType.Unary:
            {
                var request = await call.ReadSingleMessageAsync(_method.RequestParser).ConfigureAwait(false);
                var response = await _unary!(request, call).ConfigureAwait(false);
                await WriteUnaryResponseAsync(call, response).ConfigureAwait(false);
                break;
            }
            case MethodType.ClientStreaming:
            {
                var reader = new HttpRequestStreamReader<TRequest>(call, _method.RequestParser);
                var response = await _clientStreaming!(reader, call).ConfigureAwait(false);
                await WriteUnaryResponseAsync(call, response).ConfigureAwait(false);
                break;
            }
            case MethodType.ServerStreaming:
            {
                var request = await call.ReadSingleMessageAsync(_method.RequestParser).ConfigureAwait(false);
                await _serverStreaming!(request, new HttpResponseStreamWriter<TResponse>(call), call).ConfigureAwait(false);
                break;
            }
            case MethodType.DuplexStreaming:
            {
                var reader = new HttpRequestStreamReader<TRequest>(call, _method.RequestParser);
                await _duplex!(reader, new HttpResponseStreamWriter<TResponse>(call), call).ConfigureAwait(false);
                break;
            }
        }
    }

    private static Task WriteUnaryResponseAsync(HttpServerCallContext call, TResponse? response)
    {
        // A handler that set an error status sends that status and no message.
        if (call.Status.StatusCode != StatusCode.OK)
        {
            return Task.CompletedTask;
        }
        if (response is null)
        {
            throw new InvalidOperationException("The handler returned no response message.");
        }
        return call.WriteMessageAsync(response, flush: false);
    }
}
