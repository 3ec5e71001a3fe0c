using Google.Rpc;
using Grpc.Core;

namespace Experiments.Statistics.Tests.Support;

internal static class RpcErrors
{
    /// <summary>The fields a refusal's google.rpc.BadRequest names (grpc-status-details-bin).</summary>
    public static IReadOnlyList<string> ViolatedFields(this RpcException error) =>
        [.. error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field) ?? []];
}
