using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Grpc;
using Grpc.Core;

namespace Experiments.Sdk.Capture;

/// <summary>
/// Runs a gRPC call that has a <see cref="CallScope"/> (a replay, or a sampled capture) with its scope on the flow, and
/// completes its capture with the response and the status the call ends with. Exceptions are rethrown, never swallowed.
/// </summary>
internal static class GrpcCapture
{
    // grpc-dotnet's detail for a handler's exception that is not an RpcException.
    private const string HandlerFailed = "Exception was thrown by handler.";

    public static IAsyncStreamReader<T> Reader<T>(CallScope scope, IAsyncStreamReader<T> inner) =>
        scope.Capture is { } recorder ? new CapturingStreamReader<T>(inner, recorder) : inner;

    public static IServerStreamWriter<T> Writer<T>(CallScope scope, IServerStreamWriter<T> inner) =>
        scope.Capture is { } recorder ? new CapturingStreamWriter<T>(inner, recorder) : inner;

    public static async Task<TResponse> RunAsync<TResponse>(CallScope scope, ServerCallContext context, Func<Task<TResponse>> call)
    {
        scope.Enter();
        try
        {
            var response = await call().ConfigureAwait(false);
            scope.Capture?.AddMessage(request: false, response);
            Complete(scope, context, context.Status);
            return response;
        }
        catch (Exception exception) when (Failed(scope, context, exception))
        {
            throw;
        }
        finally
        {
            scope.Exit();
        }
    }

    public static async Task RunAsync(CallScope scope, ServerCallContext context, Func<Task> call)
    {
        scope.Enter();
        try
        {
            await call().ConfigureAwait(false);
            Complete(scope, context, context.Status);
        }
        catch (Exception exception) when (Failed(scope, context, exception))
        {
            throw;
        }
        finally
        {
            scope.Exit();
        }
    }

    private static void Complete(CallScope scope, ServerCallContext context, Status status) =>
        scope.Capture?.CompleteGrpc(context.GetHttpContext(), context.ResponseTrailers, status);

    /// <summary>Always false, so it can run as an exception filter without catching.</summary>
    private static bool Failed(CallScope scope, ServerCallContext context, Exception exception)
    {
        var code = GrpcErrors.StatusOf(exception, context.Deadline);
        var status = exception is RpcException rpc ? rpc.Status : new Status(code, code == StatusCode.Unknown ? HandlerFailed : "");
        Complete(scope, context, status);
        return false;
    }
}
