using System.Text;
using System.Text.Json;
using Experiments.Contracts.V1;

namespace Experiments.Clients.Traffic;

/// <summary>
/// Recorded gRPC calls as grpcurl commands: <c>grpcurl -plaintext -H 'k: v' -d '{json}' host:port pkg.Svc/Method</c>,
/// the <c>-d</c> JSON being each request message in protobuf's JSON mapping (as recorded), one object per line for a
/// client or bidirectional stream (grpcurl reads a stream of JSON objects). grpcurl finds the method by server
/// reflection. Redacted metadata values are shell variables; binary (<c>-bin</c>) metadata stays base64, which
/// grpcurl decodes.
/// </summary>
public static class GrpcurlExport
{
    private const string Continuation = " \\\n  ";

    /// <summary>The grpcurl command replaying <paramref name="exchange"/> (a gRPC call) against <paramref name="target"/>.</summary>
    public static string Command(CapturedExchange exchange, ExportTarget target)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(target);
        if (exchange.Protocol != CaptureProtocol.Grpc)
        {
            throw new ArgumentException($"capture {exchange.CaptureId} is an HTTP exchange: export it with curl", nameof(exchange));
        }
        var words = new List<string> { "grpcurl" };
        if (!target.IsTls)
        {
            words.Add("-plaintext");
        }
        foreach (var header in ExportedHeaders.For(exchange))
        {
            words.Add("-H " + ShellWords.Header(header));
        }
        words.Add("-d " + ShellWords.Quote(RequestJson(exchange)));
        words.Add(ShellWords.Quote(target.HostAndPort(exchange)));
        words.Add(ShellWords.Quote(MethodName(exchange)));
        return string.Join(Continuation, words);
    }

    /// <summary>A shell script of one commented grpcurl command per gRPC exchange, in order; HTTP exchanges are skipped.</summary>
    public static string Script(IEnumerable<CapturedExchange> exchanges, ExportTarget target)
    {
        ArgumentNullException.ThrowIfNull(exchanges);
        var grpc = exchanges.Where(e => e.Protocol == CaptureProtocol.Grpc).ToList();
        var script = new StringBuilder();
        script.Append("#!/bin/sh\n# ").Append(grpc.Count).Append(" recorded gRPC call(s) as grpcurl commands; grpcurl finds each method by server reflection\n")
            .Append("# (without it, add -import-path and -proto for the service's .proto files).\n");
        ExportScripts.AppendVariables(script, grpc);
        foreach (var exchange in grpc)
        {
            script.Append('\n');
            ExportScripts.AppendComment(script, exchange);
            script.Append(Command(exchange, target)).Append('\n');
        }
        return script.ToString();
    }

    /// <summary><c>pkg.Svc/Method</c> from the recorded path (<c>/pkg.Svc/Method</c>), else from the API name.</summary>
    public static string MethodName(CapturedExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        var path = exchange.Path.Split('?')[0].Trim('/');
        return path.Contains('/', StringComparison.Ordinal) ? path : exchange.ApiName;
    }

    /// <summary>
    /// The <c>-d</c> data: the request messages' JSON, each on one line. A unary or server-streaming call sends its
    /// one message (<c>{}</c> when none was recorded); a client or bidirectional stream sends all of them in order.
    /// </summary>
    public static string RequestJson(CapturedExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        var streaming = exchange.GrpcCallType is "CLIENT_STREAMING" or "DUPLEX_STREAMING";
        var messages = streaming ? exchange.RequestMessages.ToList() : exchange.RequestMessages.Take(1).ToList();
        if (messages.Count == 0)
        {
            return streaming ? "" : "{}";
        }
        return string.Join('\n', messages.Select(m => Compact(m.Text.Length == 0 ? "{}" : m.Text)));
    }

    private static string Compact(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                document.WriteTo(writer);
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException)
        {
            // A message cut at the size cap is no longer JSON: export what was recorded, the comment says it is cut.
            return json;
        }
    }
}
