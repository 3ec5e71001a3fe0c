using Experiments.Assignment.Definitions;
using Experiments.Grpc;
using Experiments.Grpc.Server;

namespace Experiments.Assignment.Rpc;

/// <summary>
/// The one place where domain refusals become gRPC statuses: invalid field → INVALID_ARGUMENT, unknown id →
/// NOT_FOUND, taken id or flag → ALREADY_EXISTS, stale revision → ABORTED, lifecycle → FAILED_PRECONDITION.
/// Anything else propagates unchanged (the server layer turns it into INTERNAL without leaking details).
/// </summary>
internal sealed class DomainErrorInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Task<TResponse> call;
        try
        {
            call = continuation(request, context);
        }
        catch (DefinitionException exception)
        {
            throw ToRpcException(exception);
        }
        // Assign completes synchronously: no state machine on the hot path.
        return call.IsCompletedSuccessfully ? call : AwaitAsync(call);
    }

    private static async Task<TResponse> AwaitAsync<TResponse>(Task<TResponse> call)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (DefinitionException exception)
        {
            throw ToRpcException(exception);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (DefinitionException exception)
        {
            throw ToRpcException(exception);
        }
    }

    public static RpcException ToRpcException(DefinitionException exception)
    {
        var code = exception switch
        {
            InvalidDefinitionException => StatusCode.InvalidArgument,
            ExperimentNotFoundException => StatusCode.NotFound,
            ExperimentAlreadyExistsException => StatusCode.AlreadyExists,
            StaleRevisionException => StatusCode.Aborted,
            LifecycleViolationException => StatusCode.FailedPrecondition,
            _ => StatusCode.Internal,
        };
        return new RpcException(new Status(code, exception.Message));
    }
}
