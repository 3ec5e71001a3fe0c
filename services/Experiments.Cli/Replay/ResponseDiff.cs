using System.Globalization;
using System.Text;
using Experiments.Contracts.V1;

namespace Experiments.Cli.Replay;

/// <summary>One difference between the responses of the two variants: a path and the value under each.</summary>
internal sealed record FieldDifference(string Path, string? Control, string? Treatment);

/// <summary>
/// Compares what the two variants answered to one exchange: the status, then the payloads — gRPC messages decoded by
/// wire format into field-number paths (<see cref="ProtobufWireFields"/>), JSON bodies into JSON paths
/// (<see cref="JsonFields"/>), anything else as bytes.
/// </summary>
internal static class ResponseDiff
{
    public static List<FieldDifference> Compare(CapturedExchange exchange, ReplayOutcome control, ReplayOutcome treatment)
    {
        var differences = new List<FieldDifference>();
        if (control.Status != treatment.Status)
        {
            differences.Add(new FieldDifference("status", control.Status, treatment.Status));
        }
        var grpc = exchange.Protocol == CaptureProtocol.Grpc;
        var count = Math.Max(control.Payloads.Count, treatment.Payloads.Count);
        for (var i = 0; i < count; i++)
        {
            var prefix = grpc ? (count == 1 ? "" : "message[" + i.ToString(CultureInfo.InvariantCulture) + "].") : "";
            var c = i < control.Payloads.Count ? control.Payloads[i] : null;
            var t = i < treatment.Payloads.Count ? treatment.Payloads[i] : null;
            if (c is null || t is null)
            {
                differences.Add(new FieldDifference(grpc ? $"message[{i}]" : "body", c is null ? null : Summary(c), t is null ? null : Summary(t)));
                continue;
            }
            if (c.AsSpan().SequenceEqual(t))
            {
                continue;
            }
            var decode = grpc ? (Func<byte[], SortedDictionary<string, string>?>)ProtobufWireFields.Decode : JsonFields.Decode;
            if (decode(c) is { } cf && decode(t) is { } tf)
            {
                foreach (var path in cf.Keys.Union(tf.Keys).Order(StringComparer.Ordinal))
                {
                    var cv = cf.GetValueOrDefault(path);
                    var tv = tf.GetValueOrDefault(path);
                    if (cv != tv)
                    {
                        differences.Add(new FieldDifference(prefix + path, cv, tv));
                    }
                }
            }
            else
            {
                differences.Add(new FieldDifference(grpc ? prefix.TrimEnd('.') is { Length: > 0 } p ? p : "message" : "body", Summary(c), Summary(t)));
            }
        }
        return differences;
    }

    private static string Summary(byte[] payload)
    {
        const int shown = 60;
        try
        {
            var text = new UTF8Encoding(false, true).GetString(payload);
            return text.Length <= shown ? "\"" + text + "\"" : "\"" + text[..shown] + "…\" (" + payload.Length + " bytes)";
        }
        catch (DecoderFallbackException)
        {
            return payload.Length.ToString(CultureInfo.InvariantCulture) + " bytes";
        }
    }
}
