using System.Collections.Concurrent;
using System.Diagnostics;
using Experiments.Assignment.Evaluation;
using Experiments.Grpc;
using Experiments.Grpc.Server;

namespace Experiments.Sdk.Grpc;

/// <summary>
/// The SDK for services on the Experiments gRPC layer: per call, serves the unit named by the request metadata on
/// the call's flow and records the call — API name <c>package.Service/Method</c>, latency, gRPC status, error,
/// client id. Errors are the statuses that mean the server failed the caller (UNKNOWN, DEADLINE_EXCEEDED,
/// RESOURCE_EXHAUSTED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS). Exceptions are rethrown, never swallowed.
/// </summary>
public sealed class ExperimentsInterceptor : Interceptor
{
    private readonly ExperimentsRuntime _runtime;
    private readonly ConcurrentDictionary<string, string> _apiNames = new(StringComparer.Ordinal);

    internal ExperimentsInterceptor(ExperimentsRuntime runtime) => _runtime = runtime;

    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var start = Stopwatch.GetTimestamp();
        var unit = Begin(context);
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            End(context, unit, start, context.Status.StatusCode);
            return response;
        }
        catch (Exception exception) when (Failed(context, unit, start, exception))
        {
            throw;
        }
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var start = Stopwatch.GetTimestamp();
        var unit = Begin(context);
        try
        {
            var response = await continuation(requestStream, context).ConfigureAwait(false);
            End(context, unit, start, context.Status.StatusCode);
            return response;
        }
        catch (Exception exception) when (Failed(context, unit, start, exception))
        {
            throw;
        }
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var start = Stopwatch.GetTimestamp();
        var unit = Begin(context);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            End(context, unit, start, context.Status.StatusCode);
        }
        catch (Exception exception) when (Failed(context, unit, start, exception))
        {
            throw;
        }
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(continuation);
        var start = Stopwatch.GetTimestamp();
        var unit = Begin(context);
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            End(context, unit, start, context.Status.StatusCode);
        }
        catch (Exception exception) when (Failed(context, unit, start, exception))
        {
            throw;
        }
    }

    private UnitContext? Begin(ServerCallContext context)
    {
        var unit = _runtime.UnitFor(context.HttpContext);
        if (unit is not null)
        {
            ExperimentsContext.Current = unit;
        }
        return unit;
    }

    private void End(ServerCallContext context, UnitContext? unit, long start, StatusCode code)
    {
        if (unit is null || !_runtime.TelemetryEnabled)
        {
            return;
        }
        var method = context.Method;
        var apiName = _apiNames.TryGetValue(method, out var name) ? name : _apiNames.GetOrAdd(method, static m => m.TrimStart('/'));
        _runtime.RecordRequest(unit, apiName, _runtime.ClientFor(context.HttpContext), start, (int)code, IsError(code));
    }

    /// <summary>Always false, so it can run as an exception filter without catching.</summary>
    private bool Failed(ServerCallContext context, UnitContext? unit, long start, Exception exception)
    {
        End(context, unit, start, exception switch
        {
            RpcException rpc => rpc.StatusCode,
            OperationCanceledException => StatusCode.Cancelled,
            _ => StatusCode.Unknown,
        });
        return false;
    }

    private static bool IsError(StatusCode code) => code is StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted
        or StatusCode.Unimplemented or StatusCode.Internal or StatusCode.Unavailable or StatusCode.DataLoss;
}
