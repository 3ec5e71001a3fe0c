using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Experiments.Sdk.Capture;
using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Streams;

namespace Experiments.Sdk.Grpc;

/// <summary>
/// The SDK for Grpc.AspNetCore services, for all four call kinds: per call, serves the unit named by the request
/// metadata (or claims) on the call's flow and records the call — API name <c>package.Service/Method</c>, latency,
/// gRPC status, error, client id. A call that streams responses also records the time to its first message
/// (<c>…#first-message</c>), its message count (custom metric <c>…#messages</c>) and, for message types registered with
/// <c>WithStaleness</c>, each message's staleness (<c>…#staleness</c>); its latency is the whole stream's duration.
/// Errors are the statuses that mean the server failed the caller (UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
/// UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS). Exceptions are rethrown, never swallowed. A call sampled for
/// capture is recorded whole (Experiments:Capture); a verified replay is served its forced variants and not recorded.
/// </summary>
public sealed class ExperimentsInterceptor : Interceptor
{
    private readonly ExperimentsRuntime _runtime;
    private readonly CallScopes _scopes;
    private readonly ConcurrentDictionary<string, CallNames> _names = new(StringComparer.Ordinal);

    internal ExperimentsInterceptor(ExperimentsRuntime runtime, CallScopes scopes)
    {
        _runtime = runtime;
        _scopes = scopes;
    }

    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var start = Stopwatch.GetTimestamp();
        if (_scopes.ForGrpc(context, CallScopes.Unary) is { } scope)
        {
            return ObserveScopedUnaryAsync(request, context, continuation, start, scope);
        }
        // Not an async method, so that a handler that completes at once costs no Task of our own; the flow is put
        // back by hand instead, as an async method would.
        var flow = ExecutionContext.Capture();
        if (flow is null)
        {
            return ObserveUnaryAsync(request, context, continuation, start);
        }
        var served = Begin(context);
        var pending = false;
        try
        {
            Task<TResponse> call;
            try
            {
                call = continuation(request, context);
            }
            catch (Exception exception) when (Failed(context, served.Unit, start, exception))
            {
                throw;
            }
            if (!call.IsCompletedSuccessfully)
            {
                pending = true;
                return CompleteUnaryAsync(call, context, served, start);
            }
            End(context, served.Unit, start, context.Status.StatusCode);
            return call;
        }
        finally
        {
            if (!pending)
            {
                served.End();
            }
            ExecutionContext.Restore(flow);
        }
    }

    // Its own method: a lambda over the parameters in UnaryServerHandler would allocate its closure on every call.
    private Task<TResponse> ObserveUnaryAsync<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation, long start)
        where TRequest : class
        where TResponse : class =>
        ObserveAsync(context, start, () => continuation(request, context));

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var start = Stopwatch.GetTimestamp();
        if (_scopes.ForGrpc(context, CallScopes.ClientStreaming) is { } scope)
        {
            return ObserveScopedAsync(GrpcCapture.Reader(scope, requestStream), context, continuation, start, scope);
        }
        return ObserveAsync(context, start, () => continuation(requestStream, context));
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var start = Stopwatch.GetTimestamp();
        if (_scopes.ForGrpc(context, CallScopes.ServerStreaming) is { } scope)
        {
            return ObserveScopedStreamAsync(request, GrpcCapture.Writer(scope, responseStream), context, continuation, start, scope);
        }
        return ObserveStreamAsync(context, start, responseStream, stream => continuation(request, stream, context));
    }

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var start = Stopwatch.GetTimestamp();
        if (_scopes.ForGrpc(context, CallScopes.DuplexStreaming) is { } scope)
        {
            return ObserveScopedStreamAsync(GrpcCapture.Reader(scope, requestStream), GrpcCapture.Writer(scope, responseStream), context, continuation, start, scope);
        }
        return ObserveStreamAsync(context, start, responseStream, stream => continuation(requestStream, stream, context));
    }

    // The calls with a scope (a replay, or a sampled capture), each in a method of its own: a lambda over the handlers'
    // parameters would allocate its closure on every call, scoped or not.
    private Task<TResponse> ObserveScopedUnaryAsync<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation, long start, CallScope scope)
        where TRequest : class
        where TResponse : class
    {
        scope.Capture?.AddMessage(request: true, request);
        return GrpcCapture.RunAsync(scope, context, () => ObserveAsync(context, start, () => continuation(request, context)));
    }

    private Task<TResponse> ObserveScopedAsync<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation, long start, CallScope scope)
        where TRequest : class
        where TResponse : class =>
        GrpcCapture.RunAsync(scope, context, () => ObserveAsync(context, start, () => continuation(requestStream, context)));

    private Task ObserveScopedStreamAsync<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation, long start, CallScope scope)
        where TRequest : class
        where TResponse : class
    {
        scope.Capture?.AddMessage(request: true, request);
        return GrpcCapture.RunAsync(scope, context, () => ObserveStreamAsync(context, start, responseStream, stream => continuation(request, stream, context)));
    }

    private Task ObserveScopedStreamAsync<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation, long start, CallScope scope)
        where TRequest : class
        where TResponse : class =>
        GrpcCapture.RunAsync(scope, context, () => ObserveStreamAsync(context, start, responseStream, stream => continuation(requestStream, stream, context)));

    /// <summary>
    /// Serves the call's unit while a streaming <paramref name="call"/> runs, and measures its response stream: the time to
    /// its first message, each message's staleness (when a source time is registered for the type), and as it ends its
    /// duration, status and message count.
    /// </summary>
    private async Task ObserveStreamAsync<TResponse>(ServerCallContext context, long start, IServerStreamWriter<TResponse> responseStream, Func<IServerStreamWriter<TResponse>, Task> call)
    {
        var served = Begin(context);
        if (served.Unit.IsNone || !_runtime.TelemetryEnabled || CallScope.IsReplaying)
        {
            try
            {
                await call(responseStream).ConfigureAwait(false);
                return;
            }
            finally
            {
                served.End();
            }
        }
        var measure = new StreamMeasure<TResponse>(_runtime, served.Unit, NamesOf(context.Method), _runtime.ClientFor(context.GetHttpContext()), dependency: null,
            start, _runtime.Staleness.For<TResponse>());
        try
        {
            await call(new MeasuredStreamWriter<TResponse>(responseStream, measure)).ConfigureAwait(false);
            measure.End(context.Status.StatusCode);
        }
        catch (Exception exception)
        {
            measure.End(GrpcErrors.StatusOf(exception, context.Deadline));
            throw;
        }
        finally
        {
            served.End();
        }
    }

    /// <summary>
    /// Serves the call's unit while <paramref name="call"/> runs (an async method, so the flow it changes is put back
    /// when it returns) and records the call as it ends: the path of every call kind but the synchronous unary one.
    /// </summary>
    private async Task<TResponse> ObserveAsync<TResponse>(ServerCallContext context, long start, Func<Task<TResponse>> call)
    {
        var served = Begin(context);
        try
        {
            var response = await call().ConfigureAwait(false);
            End(context, served.Unit, start, context.Status.StatusCode);
            return response;
        }
        catch (Exception exception) when (Failed(context, served.Unit, start, exception))
        {
            throw;
        }
        finally
        {
            served.End();
        }
    }

    private async Task<TResponse> CompleteUnaryAsync<TResponse>(Task<TResponse> call, ServerCallContext context, Served served, long start)
    {
        try
        {
            var response = await call.ConfigureAwait(false);
            End(context, served.Unit, start, context.Status.StatusCode);
            return response;
        }
        catch (Exception exception) when (Failed(context, served.Unit, start, exception))
        {
            throw;
        }
        finally
        {
            served.End();
        }
    }

    private Served Begin(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var value = _runtime.UnitFor(http);
        CallScope.Current?.Capture?.SetUnit(value);
        // Served until the call ends: on the flow (which the caller puts back) or in the request's slot.
        var slot = value is null ? null : ExperimentsContext.Serve(http, value);
        return new Served(new ServedUnit(value), slot);
    }

    private void End(ServerCallContext context, in ServedUnit unit, long start, StatusCode code)
    {
        if (unit.IsNone || !_runtime.TelemetryEnabled || CallScope.IsReplaying)
        {
            return;
        }
        _runtime.RecordRequest(unit, NamesOf(context.Method).Call, _runtime.ClientFor(context.GetHttpContext()), start, (int)code, GrpcErrors.IsError(code));
    }

    /// <summary>The names of the method at the path <c>/package.Service/Method</c>, built once per method.</summary>
    private CallNames NamesOf(string method) =>
        _names.TryGetValue(method, out var names) ? names : _names.GetOrAdd(method, static m => new CallNames(m.TrimStart('/')));

    /// <summary>Always false, so it can run as an exception filter without catching.</summary>
    private bool Failed(ServerCallContext context, in ServedUnit unit, long start, Exception exception)
    {
        End(context, unit, start, GrpcErrors.StatusOf(exception, context.Deadline));
        return false;
    }

    /// <summary>The unit a call serves, and the request slot it is kept in (null when it travels on the flow).</summary>
    private readonly record struct Served(ServedUnit Unit, RequestUnitSlot? Slot)
    {
        public void End() => Slot?.Value = null;
    }
}
