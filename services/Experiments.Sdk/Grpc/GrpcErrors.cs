using Grpc.Core;

namespace Experiments.Sdk.Grpc;

/// <summary>Which gRPC statuses count as errors of the API, inbound and outbound.</summary>
internal static class GrpcErrors
{
    /// <summary>
    /// The statuses that mean the server failed its caller (UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNIMPLEMENTED,
    /// INTERNAL, UNAVAILABLE, DATA_LOSS); a caller's mistake (INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED…) or its
    /// cancellation is not one.
    /// </summary>
    public static bool IsError(StatusCode code) => code is StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted
        or StatusCode.Unimplemented or StatusCode.Internal or StatusCode.Unavailable or StatusCode.DataLoss;

    /// <summary>The status a call ends with when <paramref name="exception"/> ends it, as grpc-dotnet reports it.</summary>
    public static StatusCode StatusOf(Exception exception, DateTime deadline) => exception switch
    {
        RpcException rpc => rpc.StatusCode,
        // A deadline that passed is DEADLINE_EXCEEDED, not a cancellation.
        OperationCanceledException when deadline <= DateTime.UtcNow => StatusCode.DeadlineExceeded,
        OperationCanceledException => StatusCode.Cancelled,
        _ => StatusCode.Unknown,
    };
}
