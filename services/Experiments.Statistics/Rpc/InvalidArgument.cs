using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Experiments.Statistics.Rpc;

/// <summary>INVALID_ARGUMENT naming the field, in the message and as a google.rpc.BadRequest field violation.</summary>
internal static class InvalidArgument
{
    public static RpcException For(string field, string description)
    {
        var badRequest = new Google.Rpc.BadRequest
        {
            FieldViolations = { new Google.Rpc.BadRequest.Types.FieldViolation { Field = field, Description = description } },
        };
        return new Google.Rpc.Status
        {
            Code = (int)Google.Rpc.Code.InvalidArgument,
            Message = field + ": " + description,
            Details = { Any.Pack(badRequest) },
        }.ToRpcException();
    }
}
