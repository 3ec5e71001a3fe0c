using Experiments.Grpc;
using Google.Protobuf;

namespace Experiments.Clients;

/// <summary>One invalid field named by a server's <c>google.rpc.BadRequest</c> detail.</summary>
/// <param name="Field">Path of the field in the request, e.g. <c>experiment.variants[1].key</c>.</param>
/// <param name="Description">What is wrong with it.</param>
public sealed record FieldViolation(string Field, string Description);

/// <summary>
/// Reads the rich error model a server may attach to a failed call: <c>grpc-status-details-bin</c>, a serialized
/// <c>google.rpc.Status</c> whose details may hold a <c>google.rpc.BadRequest</c> (protos/google/rpc).
/// </summary>
public static class RpcErrorDetails
{
    private const string StatusDetailsTrailer = "grpc-status-details-bin";

    /// <summary>The field violations in <paramref name="exception"/>'s trailers; empty when it has none or they do not parse.</summary>
    public static IReadOnlyList<FieldViolation> GetFieldViolations(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Trailers.GetValueBytes(StatusDetailsTrailer) is { } bytes ? ParseFieldViolations(bytes) : [];
    }

    /// <summary>The field violations in a serialized <c>google.rpc.Status</c>; empty when it has none or does not parse.</summary>
    public static IReadOnlyList<FieldViolation> ParseFieldViolations(byte[] statusBytes)
    {
        ArgumentNullException.ThrowIfNull(statusBytes);
        var violations = new List<FieldViolation>();
        try
        {
            foreach (var detail in Google.Rpc.Status.Parser.ParseFrom(statusBytes).Details)
            {
                // Details of other types (RetryInfo, DebugInfo, …) are not ours to show.
                if (detail.TryUnpack<Google.Rpc.BadRequest>(out var badRequest))
                {
                    violations.AddRange(badRequest.FieldViolations.Select(v => new FieldViolation(v.Field, v.Description)));
                }
            }
        }
        catch (InvalidProtocolBufferException)
        {
            return [];
        }
        return violations;
    }
}
