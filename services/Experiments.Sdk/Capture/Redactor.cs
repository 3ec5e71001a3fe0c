using Microsoft.Extensions.Options;

namespace Experiments.Sdk.Capture;

/// <summary>
/// What is redacted from captured exchanges (<see cref="CaptureOptions.RedactHeaders"/> and
/// <see cref="CaptureOptions.RedactFields"/>), parsed once. Redaction replaces a value by <see cref="Redacted"/> and
/// names what it replaced (<c>header:NAME</c>, <c>request:PATH</c>, <c>response:PATH</c>).
/// </summary>
internal sealed class Redactor
{
    /// <summary>What a redacted value becomes (the exporters turn it into a variable).</summary>
    public const string Redacted = "{{redacted}}";

    private static readonly string[] AlwaysRedacted = ["authorization", "cookie", "set-cookie", "proxy-authorization"];

    private readonly HashSet<string> _headers;

    public Redactor(IOptions<ExperimentsOptions> options)
    {
        var capture = options.Value.Capture;
        _headers = new HashSet<string>(AlwaysRedacted.Concat(capture.RedactHeaders.Where(h => !string.IsNullOrWhiteSpace(h)).Select(h => h.Trim())), StringComparer.OrdinalIgnoreCase);
        Paths = [.. capture.RedactFields.Select(FieldPath.Parse).OfType<FieldPath>()];
        TopLevelNames = new HashSet<string>(Paths.Where(p => p.Segments.Length == 1).Select(p => p.Segments[0]), StringComparer.Ordinal);
        Protobuf = new ProtobufRedaction(Paths);
    }

    public FieldPath[] Paths { get; }

    /// <summary>One-segment paths: also query-string parameters and form fields.</summary>
    public IReadOnlySet<string> TopLevelNames { get; }

    public ProtobufRedaction Protobuf { get; }

    public bool RedactsHeader(string name) => _headers.Contains(name);
}

/// <summary>A configured field path, <c>order.account_token</c> or <c>$.card.number</c>, as segments.</summary>
internal sealed record FieldPath(string[] Segments)
{
    /// <summary>As redactions name it for protobuf messages: <c>order.account_token</c>.</summary>
    public string Dotted { get; } = string.Join('.', Segments);

    /// <summary>As redactions name it for JSON bodies: <c>$.card.number</c>.</summary>
    public string Json { get; } = "$." + string.Join('.', Segments);

    public static FieldPath? Parse(string? text)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.StartsWith("$.", StringComparison.Ordinal))
        {
            trimmed = trimmed[2..];
        }
        var segments = trimmed.Split('.', StringSplitOptions.TrimEntries);
        return segments.Length == 0 || segments.Any(s => s.Length == 0) ? null : new FieldPath(segments);
    }
}
