using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Experiments.ServiceDefaults.Telemetry;

/// <summary>
/// Logs each call's outcome, records its duration in the <c>rpc.server.duration</c> histogram (meter
/// <c>Experiments.Grpc</c>) and tags the request's activity with the OpenTelemetry RPC attributes. Registered first,
/// so it sees every call whole; it also turns a client's reset of a call's streams into CANCELLED
/// (<see cref="ClientGoneStreams"/>).
/// </summary>
public sealed partial class CallTelemetryInterceptor : Interceptor
{
    public const string MeterName = "Experiments.Grpc";

    private readonly ILogger<CallTelemetryInterceptor> _logger;
    private readonly Histogram<double> _duration;

    // The service and method names of each path, split once rather than on every call.
    private readonly ConcurrentDictionary<string, (string Service, string Method)> _names = new(StringComparer.Ordinal);

    public CallTelemetryInterceptor(ILogger<CallTelemetryInterceptor> logger, IMeterFactory meters)
    {
        _logger = logger;
        _duration = meters.Create(MeterName).CreateHistogram<double>("rpc.server.duration", "ms", "Duration of gRPC calls on the server");
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            Record(context, start, context.Status.StatusCode);
            return response;
        }
        catch (Exception ex)
        {
            Record(context, start, CodeOf(ex, context));
            throw;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(new ClientGoneStreams.Reader<TRequest>(requestStream), context).ConfigureAwait(false);
            Record(context, start, context.Status.StatusCode);
            return response;
        }
        catch (Exception ex)
        {
            Record(context, start, CodeOf(ex, context));
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await continuation(request, new ClientGoneStreams.Writer<TResponse>(responseStream, context), context).ConfigureAwait(false);
            Record(context, start, context.Status.StatusCode);
        }
        catch (Exception ex)
        {
            Record(context, start, CodeOf(ex, context));
            throw;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await continuation(new ClientGoneStreams.Reader<TRequest>(requestStream), new ClientGoneStreams.Writer<TResponse>(responseStream, context), context).ConfigureAwait(false);
            Record(context, start, context.Status.StatusCode);
        }
        catch (Exception ex)
        {
            Record(context, start, CodeOf(ex, context));
            throw;
        }
    }

    private static (string Service, string Method) SplitPath(string path)
    {
        var slash = path.LastIndexOf('/');
        return (path[1..slash], path[(slash + 1)..]);
    }

    // A client that goes away (cancels, or disposes a half-closed call) surfaces as whatever the next read or write
    // throws (IOException, OperationCanceledException): the call was cancelled, not failed.
    private static StatusCode CodeOf(Exception exception, ServerCallContext context) => exception switch
    {
        RpcException rpc => rpc.StatusCode,
        _ when context.CancellationToken.IsCancellationRequested =>
            context.Deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled,
        OperationCanceledException => StatusCode.Cancelled,
        _ => StatusCode.Unknown,
    };

    private void Record(ServerCallContext context, long start, StatusCode code)
    {
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var (service, method) = _names.GetOrAdd(context.Method, SplitPath);
        _duration.Record(elapsed,
            new KeyValuePair<string, object?>("rpc.system", "grpc"),
            new KeyValuePair<string, object?>("rpc.service", service),
            new KeyValuePair<string, object?>("rpc.method", method),
            new KeyValuePair<string, object?>("rpc.grpc.status_code", (int)code));
        if (Activity.Current is { } activity)
        {
            activity.SetTag("rpc.system", "grpc");
            activity.SetTag("rpc.service", service);
            activity.SetTag("rpc.method", method);
            activity.SetTag("rpc.grpc.status_code", (int)code);
            if (code != StatusCode.OK)
            {
                activity.SetStatus(ActivityStatusCode.Error, code.ToString());
            }
        }
        if (code is StatusCode.OK or StatusCode.Cancelled)
        {
            LogCallCompleted(_logger, context.Method, code, elapsed);
        }
        else
        {
            LogCallFailed(_logger, context.Method, code, elapsed);
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "gRPC call {Method} ended {StatusCode} in {ElapsedMs:F2} ms")]
    private static partial void LogCallCompleted(ILogger logger, string method, StatusCode statusCode, double elapsedMs);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "gRPC call {Method} failed with {StatusCode} in {ElapsedMs:F2} ms")]
    private static partial void LogCallFailed(ILogger logger, string method, StatusCode statusCode, double elapsedMs);
}
