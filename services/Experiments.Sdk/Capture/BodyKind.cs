namespace Experiments.Sdk.Capture;

/// <summary>How an HTTP body is recorded: JSON and form bodies are redacted by field, text kept as text, binary as bytes.</summary>
internal enum BodyKind
{
    Binary,
    Text,
    Json,
    Form,
}

internal static class BodyKinds
{
    public static BodyKind Of(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return BodyKind.Binary;
        }
        var media = contentType.AsSpan();
        var semicolon = media.IndexOf(';');
        if (semicolon >= 0)
        {
            media = media[..semicolon];
        }
        media = media.Trim();
        if (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            return BodyKind.Json;
        }
        if (media.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return BodyKind.Form;
        }
        return media.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || media.EndsWith("/xml", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("+xml", StringComparison.OrdinalIgnoreCase) || media.Equals("application/javascript", StringComparison.OrdinalIgnoreCase)
            ? BodyKind.Text
            : BodyKind.Binary;
    }
}
