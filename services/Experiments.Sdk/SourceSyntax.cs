namespace Experiments.Sdk;

/// <summary>The configuration form shared by the sources: <c>kind:name</c>.</summary>
internal static class SourceSyntax
{
    public enum Kind
    {
        Header,
        Claim,
        Metadata,
    }

    public static (Kind Kind, string Name) Split(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var (kind, name) = colon < 0 ? (Kind.Header, value.Trim()) : (KindOf(value[..colon].Trim()), value[(colon + 1)..].Trim());
        if (name.Length == 0)
        {
            throw new FormatException($"'{value}' names no header, claim or metadata key.");
        }
        return (kind, name);
    }

    private static Kind KindOf(string prefix) => prefix.ToLowerInvariant() switch
    {
        "header" => Kind.Header,
        "claim" => Kind.Claim,
        "metadata" or "grpc-metadata" => Kind.Metadata,
        _ => throw new FormatException($"Unknown source '{prefix}': expected header, claim or metadata."),
    };
}
