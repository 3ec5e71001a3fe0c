using Experiments.Contracts.V1;
using Experiments.Evaluation.Replay;

namespace Experiments.Cli.Replay;

/// <summary>
/// The headers a replayed request carries: the recorded ones minus pseudo-headers, hop-by-hop headers, those the
/// client stack writes itself and the replay headers of the recorded call; redacted values filled from
/// <c>--header</c> or dropped (each dropped name reported once); <c>--header</c> values added or replacing.
/// </summary>
internal sealed class ReplayHeaders(IReadOnlyDictionary<string, string> supplied)
{
    public const string Redacted = "{{redacted}}";

    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        // Hop-by-hop (RFC 9110 §7.6.1) and connection-level headers, which belong to the connection that carried the call.
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "host", "content-length",
        "expect", "http2-settings", "trailer",
        // Written by the client stack for this call; a recorded copy would duplicate or contradict it.
        "content-type", "user-agent", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "accept-encoding",
        // The recorded call's own replay headers: this replay signs its own.
        ReplayToken.VariantHeader, ReplayToken.TokenHeader,
    };

    private readonly HashSet<string> _missing = new(StringComparer.Ordinal);

    /// <summary>Redacted headers dropped because <c>--header</c> gave no value, in the order first met.</summary>
    public IReadOnlyCollection<string> Missing => _missing;

    /// <summary>The headers of <paramref name="exchange"/> to send, replay headers not included.</summary>
    public List<KeyValuePair<string, string>> For(CapturedExchange exchange)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var header in exchange.RequestHeaders)
        {
            var name = header.Name.ToLowerInvariant();
            if (name.Length == 0 || name[0] == ':' || Dropped.Contains(name) || supplied.ContainsKey(name))
            {
                continue;
            }
            if (header.Value == Redacted)
            {
                lock (_missing)
                {
                    _missing.Add(name);
                }
                continue;
            }
            headers.Add(new(name, header.Value));
        }
        foreach (var (name, value) in supplied)
        {
            headers.Add(new(name, value));
        }
        return headers;
    }

    /// <summary>The recorded Content-Type of an HTTP exchange, if any.</summary>
    public static string? ContentType(CapturedExchange exchange)
    {
        var recorded = exchange.RequestHeaders.FirstOrDefault(h => string.Equals(h.Name, "content-type", StringComparison.OrdinalIgnoreCase));
        if (recorded is not null)
        {
            return recorded.Value;
        }
        var typeName = exchange.RequestMessages.Count > 0 ? exchange.RequestMessages[0].TypeName : "";
        return typeName.Length > 0 ? typeName : null;
    }
}
