using System.Globalization;
using System.Text;
using Google.Protobuf;

namespace Experiments.Cli.Replay;

/// <summary>
/// A protobuf message decoded by its wire format alone, without its schema, into leaf values by field-number path
/// (<c>2.1</c>: field 1 of the message in field 2; <c>3[1]</c>: the second occurrence of field 3). A length-delimited
/// field is read as a nested message when its bytes parse as one, else as text when they are UTF-8, else as bytes
/// (base64) — the reading protoc's <c>--decode_raw</c> makes.
/// </summary>
internal static class ProtobufWireFields
{
    private const int MaxDepth = 32;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Leaf values by path; null when <paramref name="payload"/> is not a protobuf message.</summary>
    public static SortedDictionary<string, string>? Decode(byte[] payload)
    {
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
        return TryDecode(payload, "", fields, 0) ? fields : null;
    }

    private static bool TryDecode(byte[] payload, string prefix, SortedDictionary<string, string> into, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }
        var local = new List<(string Path, string Value, byte[]? Nested)>();
        var occurrences = new Dictionary<int, int>();
        try
        {
            var input = new CodedInputStream(payload);
            while (!input.IsAtEnd)
            {
                var tag = input.ReadTag();
                var number = WireFormat.GetTagFieldNumber(tag);
                if (number <= 0)
                {
                    return false;
                }
                occurrences[number] = occurrences.GetValueOrDefault(number) + 1;
                var path = prefix + number.ToString(CultureInfo.InvariantCulture) + "#" + (occurrences[number] - 1).ToString(CultureInfo.InvariantCulture);
                switch (WireFormat.GetTagWireType(tag))
                {
                    case WireFormat.WireType.Varint:
                        local.Add((path, input.ReadUInt64().ToString(CultureInfo.InvariantCulture), null));
                        break;
                    case WireFormat.WireType.Fixed64:
                        local.Add((path, "0x" + input.ReadFixed64().ToString("x16", CultureInfo.InvariantCulture), null));
                        break;
                    case WireFormat.WireType.Fixed32:
                        local.Add((path, "0x" + input.ReadFixed32().ToString("x8", CultureInfo.InvariantCulture), null));
                        break;
                    case WireFormat.WireType.LengthDelimited:
                        local.Add((path, "", input.ReadBytes().ToByteArray()));
                        break;
                    default:
                        // Groups are long deprecated; a payload that has them is read as opaque.
                        return false;
                }
            }
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
        foreach (var (rawPath, value, nested) in local)
        {
            // "#0" is dropped where a field occurs once, so a singular field reads 2.1, a repeated one 3[0], 3[1].
            var number = rawPath[(rawPath.LastIndexOf('.') + 1)..rawPath.LastIndexOf('#')];
            var count = occurrences[int.Parse(number, CultureInfo.InvariantCulture)];
            var path = count == 1 ? rawPath[..rawPath.LastIndexOf('#')] : rawPath.Replace("#", "[", StringComparison.Ordinal) + "]";
            if (nested is null)
            {
                into[path] = value;
            }
            else if (nested.Length > 0 && TryDecode(nested, path + ".", into, depth + 1))
            {
                continue;
            }
            else
            {
                into[path] = Text(nested);
            }
        }
        return true;
    }

    private static string Text(byte[] bytes)
    {
        try
        {
            return "\"" + StrictUtf8.GetString(bytes) + "\"";
        }
        catch (DecoderFallbackException)
        {
            return "bytes:" + Convert.ToBase64String(bytes);
        }
    }
}
