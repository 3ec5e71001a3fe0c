using Experiments.Grpc;
using Google.Protobuf;

namespace Experiments.Clients;

/// <summary>One invalid field named by a server's <c>google.rpc.BadRequest</c> detail.</summary>
/// <param name="Field">Path of the field in the request, e.g. <c>experiment.variants[1].key</c>.</param>
/// <param name="Description">What is wrong with it.</param>
public sealed record FieldViolation(string Field, string Description);

/// <summary>
/// Reads the rich error model (<c>grpc-status-details-bin</c>: a <c>google.rpc.Status</c>) a server may attach to a
/// failed call. Only the parts clients show are decoded — field violations of <c>google.rpc.BadRequest</c> — with a
/// hand-written reader, because the google/rpc protos are not part of our contracts.
/// </summary>
public static class RpcErrorDetails
{
    private const string StatusDetailsTrailer = "grpc-status-details-bin";
    private const string BadRequestType = "google.rpc.BadRequest";

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
            // google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
            var status = new CodedInputStream(statusBytes);
            uint tag;
            while ((tag = status.ReadTag()) != 0)
            {
                if (tag == WireTag(3))
                {
                    ReadAny(status.ReadBytes(), violations);
                }
                else
                {
                    status.SkipLastField();
                }
            }
        }
        catch (InvalidProtocolBufferException)
        {
            return [];
        }
        return violations;
    }

    private static void ReadAny(ByteString any, List<FieldViolation> violations)
    {
        // google.protobuf.Any { string type_url = 1; bytes value = 2; }
        var input = any.CreateCodedInput();
        string typeUrl = "";
        ByteString value = ByteString.Empty;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag >> 3)
            {
                case 1: typeUrl = input.ReadString(); break;
                case 2: value = input.ReadBytes(); break;
                default: input.SkipLastField(); break;
            }
        }
        if (!typeUrl.EndsWith("/" + BadRequestType, StringComparison.Ordinal) && typeUrl != BadRequestType)
        {
            return;
        }
        // google.rpc.BadRequest { repeated FieldViolation field_violations = 1; }
        var badRequest = value.CreateCodedInput();
        while ((tag = badRequest.ReadTag()) != 0)
        {
            if (tag == WireTag(1))
            {
                violations.Add(ReadViolation(badRequest.ReadBytes()));
            }
            else
            {
                badRequest.SkipLastField();
            }
        }
    }

    private static FieldViolation ReadViolation(ByteString bytes)
    {
        // FieldViolation { string field = 1; string description = 2; ... }
        var input = bytes.CreateCodedInput();
        string field = "", description = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag >> 3)
            {
                case 1: field = input.ReadString(); break;
                case 2: description = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }
        return new FieldViolation(field, description);
    }

    private static uint WireTag(int fieldNumber) => WireFormat.MakeTag(fieldNumber, WireFormat.WireType.LengthDelimited);
}
