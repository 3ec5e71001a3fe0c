using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Experiments.Cli.Definitions;

/// <summary>
/// Converts a YAML document to protobuf JSON for a given message type, guided by its descriptor, so that a scalar
/// means what its field needs: text for strings (<c>seed: 0012</c> stays "0012"), exact digits for 64-bit numbers,
/// enum names checked against the enum. Mistakes are reported with their line and field path before protobuf's
/// parser sees them: unknown fields (with the nearest known name), values that are not numbers, booleans or enum
/// values. Durations also take a unit: <c>14d</c>, <c>36h</c>, <c>90m</c>, <c>30s</c>, <c>250ms</c>.
/// </summary>
internal static partial class YamlToJson
{
    public static string Convert(string yaml, MessageDescriptor descriptor)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count != 1)
        {
            throw new YamlException(stream.Documents.Count == 0 ? "the file is empty" : "expected one YAML document, found " + stream.Documents.Count);
        }
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var root = stream.Documents[0].RootNode;
            if (root is not YamlMappingNode mapping)
            {
                throw Error(root, "", $"expected the fields of {descriptor.Name} (a YAML mapping)");
            }
            WriteMessage(writer, mapping, descriptor, "");
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteMessage(Utf8JsonWriter writer, YamlMappingNode mapping, MessageDescriptor descriptor, string path)
    {
        writer.WriteStartObject();
        var seen = new HashSet<int>();
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? throw Error(keyNode, path, "field names must be plain text");
            var field = descriptor.FindFieldByName(key) ?? descriptor.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == key);
            var fieldPath = path.Length == 0 ? key : path + "." + key;
            if (field is null)
            {
                var nearest = Nearest(key, descriptor.Fields.InDeclarationOrder().Select(f => f.Name));
                throw Error(keyNode, fieldPath, $"{descriptor.Name} has no field '{key}'" + (nearest is null ? "" : $" (did you mean '{nearest}'?)"));
            }
            if (!seen.Add(field.FieldNumber))
            {
                throw Error(keyNode, fieldPath, "the field is given twice");
            }
            writer.WritePropertyName(field.JsonName);
            if (IsNull(value))
            {
                writer.WriteNullValue();
            }
            else if (field.IsMap)
            {
                WriteMap(writer, value, field, fieldPath);
            }
            else if (field.IsRepeated)
            {
                if (value is not YamlSequenceNode sequence)
                {
                    throw Error(value, fieldPath, "expected a list");
                }
                writer.WriteStartArray();
                var index = 0;
                foreach (var item in sequence.Children)
                {
                    WriteValue(writer, item, field, $"{fieldPath}[{index++}]");
                }
                writer.WriteEndArray();
            }
            else
            {
                WriteValue(writer, value, field, fieldPath);
            }
        }
        writer.WriteEndObject();
    }

    private static void WriteMap(Utf8JsonWriter writer, YamlNode node, FieldDescriptor field, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            throw Error(node, path, "expected a mapping");
        }
        var valueField = field.MessageType.FindFieldByNumber(2);
        writer.WriteStartObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? throw Error(key, path, "map keys must be plain text");
            writer.WritePropertyName(name);
            WriteValue(writer, value, valueField, $"{path}[{name}]");
        }
        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, YamlNode node, FieldDescriptor field, string path)
    {
        if (field.FieldType == FieldType.Message)
        {
            var type = field.MessageType;
            switch (type.FullName)
            {
                case "google.protobuf.Duration":
                    writer.WriteStringValue(DurationText(Scalar(node, path), node, path));
                    return;
                case "google.protobuf.Timestamp" or "google.protobuf.FieldMask":
                    writer.WriteStringValue(Scalar(node, path).Value);
                    return;
                case "google.protobuf.DoubleValue" or "google.protobuf.FloatValue" or "google.protobuf.Int64Value" or "google.protobuf.UInt64Value"
                    or "google.protobuf.Int32Value" or "google.protobuf.UInt32Value" or "google.protobuf.BoolValue" or "google.protobuf.StringValue":
                    WriteScalar(writer, Scalar(node, path), type.FindFieldByNumber(1), path);
                    return;
            }
            if (node is not YamlMappingNode mapping)
            {
                throw Error(node, path, $"expected the fields of {type.Name} (a mapping)");
            }
            WriteMessage(writer, mapping, type, path);
            return;
        }
        WriteScalar(writer, Scalar(node, path), field, path);
    }

    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar, FieldDescriptor field, string path)
    {
        var text = scalar.Value ?? "";
        var plain = scalar.Style is ScalarStyle.Plain;
        switch (field.FieldType)
        {
            case FieldType.String:
                writer.WriteStringValue(text);
                return;
            case FieldType.Bytes:
                writer.WriteStringValue(text);
                return;
            case FieldType.Bool:
                writer.WriteBooleanValue(text switch
                {
                    "true" or "True" or "TRUE" => true,
                    "false" or "False" or "FALSE" => false,
                    _ => throw Error(scalar, path, $"'{text}' is not true or false"),
                });
                return;
            case FieldType.Enum:
                var value = field.EnumType.FindValueByName(text);
                if (value is null)
                {
                    var names = field.EnumType.Values.Where(v => v.Number != 0).Select(v => v.Name);
                    var nearest = Nearest(text, names);
                    throw Error(scalar, path, $"'{text}' is not a {field.EnumType.Name}" +
                        (nearest is not null ? $" (did you mean '{nearest}'?)" : $" (one of {string.Join(", ", names)})"));
                }
                writer.WriteStringValue(value.Name);
                return;
            case FieldType.Double or FieldType.Float:
                var special = text switch
                {
                    ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" => "Infinity",
                    "-.inf" or "-.Inf" or "-.INF" => "-Infinity",
                    ".nan" or ".NaN" or ".NAN" => "NaN",
                    _ => null,
                };
                if (special is not null && plain)
                {
                    writer.WriteStringValue(special);
                    return;
                }
                if (!Float().IsMatch(text) || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    throw Error(scalar, path, $"'{text}' is not a number");
                }
                // Protobuf's JSON takes numbers as strings too, which keeps the written digits.
                writer.WriteStringValue(text.TrimStart('+'));
                return;
            default:
                if (!Integer().IsMatch(text))
                {
                    throw Error(scalar, path, $"'{text}' is not a whole number");
                }
                writer.WriteStringValue(text.TrimStart('+'));
                return;
        }
    }

    private static string DurationText(YamlScalarNode scalar, YamlNode node, string path)
    {
        var match = DurationPattern().Match(scalar.Value ?? "");
        if (!match.Success)
        {
            throw Error(node, path, $"'{scalar.Value}' is not a duration (e.g. 14d, 36h, 90m, 30s, 1209600s)");
        }
        var amount = decimal.Parse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        var seconds = match.Groups[2].Value switch
        {
            "ms" => amount / 1000,
            "m" => amount * 60,
            "h" => amount * 3600,
            "d" => amount * 86400,
            _ => amount,
        };
        return seconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s";
    }

    private static YamlScalarNode Scalar(YamlNode node, string path) =>
        node as YamlScalarNode ?? throw Error(node, path, "expected a single value");

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static YamlException Error(YamlNode node, string path, string message) =>
        new(node.Start, node.End, path.Length == 0 ? message : $"{path}: {message}");

    /// <summary>The candidate closest to <paramref name="name"/> by edit distance, if close enough to be a typo.</summary>
    private static string? Nearest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = EditDistance(name.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }
        return bestDistance <= Math.Max(2, name.Length / 4) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9]*)$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    [GeneratedRegex(@"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)\s*$")]
    private static partial Regex DurationPattern();
}
