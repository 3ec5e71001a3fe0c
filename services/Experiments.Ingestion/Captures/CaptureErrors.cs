using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Experiments.Ingestion.Captures;

/// <summary>The Captures service's refusals: INVALID_ARGUMENT naming the field (google.rpc.BadRequest), RESOURCE_EXHAUSTED for size.</summary>
internal static class CaptureErrors
{
    public static RpcException InvalidArgument(CaptureViolation violation)
    {
        var badRequest = new Google.Rpc.BadRequest
        {
            FieldViolations = { new Google.Rpc.BadRequest.Types.FieldViolation { Field = violation.Field, Description = violation.Message } },
        };
        return new Google.Rpc.Status
        {
            Code = (int)Google.Rpc.Code.InvalidArgument,
            Message = violation.Field + ": " + violation.Message,
            Details = { Any.Pack(badRequest) },
        }.ToRpcException();
    }

    public static RpcException TooLarge(string message) => new(new Status(StatusCode.ResourceExhausted, message));
}
