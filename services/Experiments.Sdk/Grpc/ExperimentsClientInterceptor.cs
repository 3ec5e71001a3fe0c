using System.Collections.Concurrent;
using System.Diagnostics;
using Experiments.Contracts.V1;
using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Streams;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Experiments.Sdk.Grpc;

/// <summary>
/// Records the calls a gRPC client makes to a dependency while the app serves a unit, as that unit's outbound requests
/// (<c>AddGrpcClient&lt;T&gt;(…).AddExperimentsTelemetry("market-data")</c>): API name
/// <c>"{dependency} package.Service/Method"</c>, latency, status, error; a response stream also its first message, each
/// message's staleness (for message types registered with <c>WithStaleness</c>) and its message count. Calls made outside
/// any served unit are counted (<c>experiments.sdk.dependency.unattributed</c>), not recorded: they belong to no arm.
/// </summary>
internal sealed class ExperimentsClientInterceptor(ExperimentsRuntime runtime, string dependency) : Interceptor
{
    private readonly ConcurrentDictionary<string, CallNames> _names = new(StringComparer.Ordinal);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (!Served(out var unit))
        {
            return continuation(request, context);
        }
        var start = Stopwatch.GetTimestamp();
        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(ObserveAsync(call.ResponseAsync, unit, NamesOf(context.Method), start, context.Options.Deadline),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (!Served(out var unit))
        {
            return continuation(request, context);
        }
        var start = Stopwatch.GetTimestamp();
        var names = NamesOf(context.Method);
        try
        {
            var response = continuation(request, context);
            Record(unit, names, start, StatusCode.OK);
            return response;
        }
        catch (Exception exception) when (Failed(unit, names, start, exception, context.Options.Deadline))
        {
            throw;
        }
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        if (!Served(out var unit))
        {
            return continuation(context);
        }
        var start = Stopwatch.GetTimestamp();
        var call = continuation(context);
        return new AsyncClientStreamingCall<TRequest, TResponse>(call.RequestStream,
            ObserveAsync(call.ResponseAsync, unit, NamesOf(context.Method), start, context.Options.Deadline),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        if (!Served(out var unit))
        {
            return continuation(request, context);
        }
        var measure = Measure<TResponse>(unit, context.Method);
        var call = continuation(request, context);
        return new AsyncServerStreamingCall<TResponse>(new MeasuredStreamReader<TResponse>(call.ResponseStream, measure, call.GetStatus, DeadlineOf(context.Options.Deadline)),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () => Dispose(call, measure));
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        if (!Served(out var unit))
        {
            return continuation(context);
        }
        var measure = Measure<TResponse>(unit, context.Method);
        var call = continuation(context);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call.RequestStream,
            new MeasuredStreamReader<TResponse>(call.ResponseStream, measure, call.GetStatus, DeadlineOf(context.Options.Deadline)),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, () => Dispose(call, measure));
    }

    private bool Served(out ServedUnit unit)
    {
        unit = ExperimentsContext.Current;
        if (!runtime.TelemetryEnabled)
        {
            return false;
        }
        if (unit.IsNone)
        {
            runtime.CountUnattributed();
            return false;
        }
        return true;
    }

    private StreamMeasure<TResponse> Measure<TResponse>(in ServedUnit unit, IMethod method) =>
        new(runtime, unit, NamesOf(method), clientId: "", dependency, Stopwatch.GetTimestamp(), runtime.Staleness.For<TResponse>());

    private async Task<TResponse> ObserveAsync<TResponse>(Task<TResponse> response, ServedUnit unit, CallNames names, long start, DateTime? deadline)
    {
        try
        {
            var result = await response.ConfigureAwait(false);
            Record(unit, names, start, StatusCode.OK);
            return result;
        }
        catch (Exception exception) when (Failed(unit, names, start, exception, deadline))
        {
            throw;
        }
    }

    /// <summary>Disposing a stream before it ended cancels it: recorded as CANCELLED, as the dependency sees it.</summary>
    private static void Dispose<TResponse>(IDisposable call, StreamMeasure<TResponse> measure)
    {
        measure.End(StatusCode.Cancelled);
        call.Dispose();
    }

    private void Record(in ServedUnit unit, CallNames names, long start, StatusCode code) =>
        runtime.Record(unit, names.Call, "", dependency, RequestMeasure.Call, Stopwatch.GetTimestamp() - start, (int)code, GrpcErrors.IsError(code));

    /// <summary>Always false, so it can run as an exception filter without catching.</summary>
    private bool Failed(in ServedUnit unit, CallNames names, long start, Exception exception, DateTime? deadline)
    {
        Record(unit, names, start, GrpcErrors.StatusOf(exception, DeadlineOf(deadline)));
        return false;
    }

    private static DateTime DeadlineOf(DateTime? deadline) => deadline ?? DateTime.MaxValue;

    /// <summary><c>"{dependency} package.Service/Method"</c>, built once per method.</summary>
    private CallNames NamesOf(IMethod method) =>
        _names.TryGetValue(method.FullName, out var names) ? names : _names.GetOrAdd(method.FullName, static (m, d) => new CallNames(d + " " + m.TrimStart('/')), dependency);
}
