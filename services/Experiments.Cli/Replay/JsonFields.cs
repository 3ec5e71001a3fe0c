using System.Text.Json;

namespace Experiments.Cli.Replay;

/// <summary>A JSON document's leaf values by path (<c>$.order.legs[1].price</c>), for a path-level diff.</summary>
internal static class JsonFields
{
    /// <summary>Leaf values (raw JSON text) by path; null when <paramref name="body"/> is not JSON.</summary>
    public static SortedDictionary<string, string>? Decode(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
            Walk(document.RootElement, "$", fields);
            return fields;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Walk(JsonElement element, string path, SortedDictionary<string, string> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var empty = true;
                foreach (var property in element.EnumerateObject())
                {
                    empty = false;
                    Walk(property.Value, path + "." + property.Name, into);
                }
                if (empty)
                {
                    into[path] = "{}";
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, path + "[" + index++ + "]", into);
                }
                if (index == 0)
                {
                    into[path] = "[]";
                }
                break;
            default:
                into[path] = element.GetRawText();
                break;
        }
    }
}
