using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Experiments.Sdk.Capture;

/// <summary>
/// Redacts configured field paths in a JSON body: from the document's root, property by property, crossing arrays into
/// each element; the value found (whatever its type) becomes the string <see cref="Redactor.Redacted"/>.
/// </summary>
internal static class JsonRedaction
{
    private static readonly JsonSerializerOptions Output = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The body with every path redacted: <paramref name="body"/> itself when nothing was, a rewritten document when
    /// something was, null when it is not JSON (then nothing of it can be kept safely while fields are to be redacted).
    /// </summary>
    public static byte[]? Redact(byte[] body, FieldPath[] paths, string direction, ISet<string> redactions)
    {
        if (paths.Length == 0 || body.Length == 0)
        {
            return body;
        }
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
        var any = false;
        foreach (var path in paths)
        {
            if (Apply(root, path.Segments, 0))
            {
                redactions.Add(direction + ":" + path.Json);
                any = true;
            }
        }
        return any ? JsonSerializer.SerializeToUtf8Bytes(root, Output) : body;
    }

    private static bool Apply(JsonNode? node, string[] segments, int depth)
    {
        switch (node)
        {
            case JsonArray array:
            {
                var any = false;
                foreach (var item in array)
                {
                    any |= Apply(item, segments, depth);
                }
                return any;
            }
            case JsonObject obj when obj.ContainsKey(segments[depth]):
                if (depth == segments.Length - 1)
                {
                    obj[segments[depth]] = Redactor.Redacted;
                    return true;
                }
                return Apply(obj[segments[depth]], segments, depth + 1);
            default:
                return false;
        }
    }
}
