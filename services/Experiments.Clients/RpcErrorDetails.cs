using Google.Rpc;
using Grpc.Core;

namespace Experiments.Clients;

/// <summary>One invalid field named by a server's <c>google.rpc.BadRequest</c> detail.</summary>
/// <param name="Field">Path of the field in the request, e.g. <c>experiment.variants[1].key</c>.</param>
/// <param name="Description">What is wrong with it.</param>
public sealed record FieldViolation(string Field, string Description);

/// <summary>The rich error model a server may attach to a failed call (Grpc.StatusProto's <c>google.rpc.Status</c>).</summary>
public static class RpcErrorDetails
{
    /// <summary>The field violations in <paramref name="exception"/>'s status details; empty when it has none.</summary>
    public static IReadOnlyList<FieldViolation> GetFieldViolations(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.GetRpcStatus()?.GetDetail<BadRequest>() is { } badRequest
            ? [.. badRequest.FieldViolations.Select(v => new FieldViolation(v.Field, v.Description))]
            : [];
    }
}
