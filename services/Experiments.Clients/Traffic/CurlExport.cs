using System.Text;
using Experiments.Contracts.V1;

namespace Experiments.Clients.Traffic;

/// <summary>
/// Recorded HTTP exchanges as curl commands for a POSIX shell: method, URL, the request headers and the body
/// (<c>--data-raw</c>, or <c>printf … | curl --data-binary @-</c> for a body that is not text), HTTP/2 without TLS as
/// <c>--http2-prior-knowledge</c>. Redacted header values are shell variables (<c>"$AUTHORIZATION"</c>).
/// </summary>
public static class CurlExport
{
    private const string Continuation = " \\\n  ";

    /// <summary>The curl command replaying <paramref name="exchange"/> (an HTTP exchange) against <paramref name="target"/>.</summary>
    public static string Command(CapturedExchange exchange, ExportTarget target)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(target);
        if (exchange.Protocol == CaptureProtocol.Grpc)
        {
            throw new ArgumentException($"capture {exchange.CaptureId} is a gRPC call: export it with grpcurl", nameof(exchange));
        }
        var words = new List<string>();
        var body = exchange.RequestMessages.Count > 0 ? exchange.RequestMessages[0] : null;
        var binary = body is { Text.Length: 0, Payload.Length: > 0 };
        var prefix = binary ? "printf " + ShellWords.PrintfOctal(body!.Payload.Span) + " | " : "";
        words.Add(prefix + "curl");
        if (exchange.HttpVersion.StartsWith("HTTP/2", StringComparison.OrdinalIgnoreCase))
        {
            // Over TLS curl negotiates HTTP/2 by ALPN; in the clear only prior knowledge gets it (h2c).
            words.Add(target.IsTls ? "--http2" : "--http2-prior-knowledge");
        }
        var method = exchange.HttpMethod.Length == 0 ? "GET" : exchange.HttpMethod.ToUpperInvariant();
        var hasBody = body is not null && (body.Text.Length > 0 || binary);
        if (method == "HEAD")
        {
            words.Add("--head");
        }
        else if (method != "GET" || hasBody)
        {
            words.Add("-X " + ShellWords.Quote(method));
        }
        words.Add(ShellWords.Quote(target.Url(exchange)));
        foreach (var header in ExportedHeaders.For(exchange))
        {
            words.Add("-H " + ShellWords.Header(header));
        }
        if (hasBody)
        {
            words.Add(binary ? "--data-binary @-" : "--data-raw " + ShellWords.Quote(body!.Text));
        }
        return string.Join(Continuation, words);
    }

    /// <summary>A shell script of one commented curl command per HTTP exchange, in order; gRPC exchanges are skipped.</summary>
    public static string Script(IEnumerable<CapturedExchange> exchanges, ExportTarget target)
    {
        ArgumentNullException.ThrowIfNull(exchanges);
        var http = exchanges.Where(e => e.Protocol != CaptureProtocol.Grpc).ToList();
        var script = new StringBuilder();
        script.Append("#!/bin/sh\n# ").Append(http.Count).Append(" recorded HTTP request(s) as curl commands.\n");
        ExportScripts.AppendVariables(script, http);
        foreach (var exchange in http)
        {
            script.Append('\n');
            ExportScripts.AppendComment(script, exchange);
            script.Append(Command(exchange, target)).Append('\n');
        }
        return script.ToString();
    }
}
