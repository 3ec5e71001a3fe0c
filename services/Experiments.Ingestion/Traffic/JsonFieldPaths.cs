using System.Text.Json;

namespace Experiments.Ingestion.Traffic;

/// <summary>
/// The field paths present in a JSON document: members joined with '.', an array's elements as "[]" (so
/// <c>{"order":{"legs":[{"price":1}]}}</c> gives <c>order</c>, <c>order.legs</c>, <c>order.legs[].price</c>). Text that is not
/// a JSON object has no fields. Depth and count are bounded so a hostile body costs little.
/// </summary>
internal static class JsonFieldPaths
{
    private const int MaxDepth = 16;
    private const int MaxPaths = 256;

    public static void AddTo(ISet<string> paths, string text)
    {
        if (text.Length == 0 || text.TrimStart() is not ['{', ..])
        {
            return;
        }
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
            Walk(document.RootElement, "", paths, 0);
        }
        catch (JsonException)
        {
            // A truncated or non-JSON body has no shape to report.
        }
    }

    private static void Walk(JsonElement element, string prefix, ISet<string> paths, int depth)
    {
        if (depth >= MaxDepth)
        {
            return;
        }
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    if (paths.Count >= MaxPaths)
                    {
                        return;
                    }
                    var path = prefix.Length == 0 ? member.Name : prefix + "." + member.Name;
                    paths.Add(path);
                    Walk(member.Value, path, paths, depth + 1);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, prefix + "[]", paths, depth + 1);
                }
                break;
        }
    }
}
