using System.Text;
using Experiments.Assignment.Definitions;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Assignment.Rpc;

/// <summary>
/// The one place where domain refusals become gRPC statuses: invalid field → INVALID_ARGUMENT, unknown id →
/// NOT_FOUND, taken id or flag → ALREADY_EXISTS, stale revision → ABORTED, lifecycle → FAILED_PRECONDITION.
/// INVALID_ARGUMENT also carries the rich error model: a <c>google.rpc.Status</c> with a <c>google.rpc.BadRequest</c>
/// in <c>grpc-status-details-bin</c> (Grpc.StatusProto), one field violation per invalid field, for programs to read.
/// Anything else propagates unchanged (grpc-dotnet turns it into UNKNOWN without leaking details).
/// </summary>
internal sealed class DomainErrorInterceptor : Interceptor
{
    /// <summary>
    /// How many bytes of violations (field and description) a refusal lists. They travel twice, in grpc-message
    /// (percent-encoded) and in grpc-status-details-bin (base64 of a Status that repeats the message), and grpc-core
    /// clients such as grpcio fail a call whose trailers exceed 8 KiB (grpc.max_metadata_size) with RESOURCE_EXHAUSTED,
    /// hiding the refusal. A thousand empty targeting ids would get there; the message counts what is left out.
    /// </summary>
    public const int MaxListedViolationBytes = 1024;

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
        if (exception is InvalidDefinitionException invalid)
        {
            return InvalidArgument(invalid);
        }
        var code = exception switch
        {
            ExperimentNotFoundException => StatusCode.NotFound,
            ExperimentAlreadyExistsException => StatusCode.AlreadyExists,
            StaleRevisionException => StatusCode.Aborted,
            LifecycleViolationException => StatusCode.FailedPrecondition,
            _ => StatusCode.Internal,
        };
        return new RpcException(new Status(code, exception.Message));
    }

    private static RpcException InvalidArgument(InvalidDefinitionException exception)
    {
        var violations = exception.Violations;
        var listed = ListedCount(violations);
        var message = listed == violations.Count
            ? exception.Message
            : $"{InvalidDefinitionException.Describe(violations.Take(listed))}; and {violations.Count - listed} more violations";
        var badRequest = new Google.Rpc.BadRequest();
        foreach (var violation in violations.Take(listed))
        {
            badRequest.FieldViolations.Add(new Google.Rpc.BadRequest.Types.FieldViolation { Field = violation.Field, Description = violation.Description });
        }
        return new Google.Rpc.Status { Code = (int)Google.Rpc.Code.InvalidArgument, Message = message, Details = { Any.Pack(badRequest) } }.ToRpcException();
    }

    /// <summary>How many violations, from the first, fit in <see cref="MaxListedViolationBytes"/>; at least one.</summary>
    private static int ListedCount(IReadOnlyList<FieldViolation> violations)
    {
        var bytes = 0;
        for (var i = 0; i < violations.Count; i++)
        {
            bytes += Encoding.UTF8.GetByteCount(violations[i].Field) + Encoding.UTF8.GetByteCount(violations[i].Description) + 4;
            if (bytes > MaxListedViolationBytes && i > 0)
            {
                return i;
            }
        }
        return violations.Count;
    }
}
