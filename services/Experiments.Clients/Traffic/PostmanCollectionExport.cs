using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Experiments.Contracts.V1;

namespace Experiments.Clients.Traffic;

/// <summary>
/// Recorded exchanges as a Postman Collection v2.1 (schema.getpostman.com/json/collection/v2.1.0): one request per HTTP
/// exchange, in folders per client or per API, with its method, URL (<c>{{baseUrl}}</c> + recorded path and query),
/// headers and body, and the recorded response as the request's saved example. Redacted header values become
/// collection variables, declared empty (<c>authorization: {{authorization}}</c>).
/// </summary>
/// <remarks>
/// The v2.1 format has no gRPC request type: a gRPC call written as an HTTP request would be a POST no gRPC server
/// accepts (no framing, no trailers). gRPC calls are therefore not requests of the collection; its description (which
/// Postman shows as the collection's documentation) lists them as grpcurl commands ready to paste, and
/// <see cref="GrpcurlExport"/> writes the same commands as a script.
/// </remarks>
public static class PostmanCollectionExport
{
    /// <summary>The schema URL a v2.1 collection names in <c>info.schema</c>.</summary>
    public const string SchemaUrl = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        // A file for Postman, not HTML: keep quotes, '+' and non-ASCII readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The collection's JSON.</summary>
    public static string Write(IReadOnlyList<CapturedExchange> exchanges, PostmanExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(exchanges);
        ArgumentNullException.ThrowIfNull(options);
        var http = exchanges.Where(e => e.Protocol != CaptureProtocol.Grpc).ToList();
        var grpc = exchanges.Where(e => e.Protocol == CaptureProtocol.Grpc).ToList();
        var bases = BaseUrls(http, options.Target);

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("info");
            writer.WriteString("_postman_id", (options.CollectionId ?? Guid.NewGuid()).ToString());
            writer.WriteString("name", options.Name);
            writer.WriteString("description", CollectionDescription(options, http.Count, grpc));
            writer.WriteString("schema", SchemaUrl);
            writer.WriteEndObject();

            writer.WriteStartArray("item");
            foreach (var folder in Folders(http, options.GroupBy))
            {
                writer.WriteStartObject();
                writer.WriteString("name", folder.Name);
                writer.WriteStartArray("item");
                foreach (var exchange in folder.Exchanges)
                {
                    WriteItem(writer, exchange, bases);
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();

            writer.WriteStartArray("variable");
            foreach (var (variable, value) in bases.Values.Distinct().OrderBy(b => b.Variable, StringComparer.Ordinal))
            {
                WriteVariable(writer, variable, value, "Where the requests go (scheme, host and port).");
            }
            foreach (var (variable, header) in SecretVariables(http))
            {
                WriteVariable(writer, variable, "", $"Value of the '{header}' header, redacted when recorded.");
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteItem(Utf8JsonWriter writer, CapturedExchange exchange, Dictionary<string, (string Variable, string Value)> bases)
    {
        writer.WriteStartObject();
        writer.WriteString("name", $"{exchange.ApiName} → {exchange.StatusCode.ToString(CultureInfo.InvariantCulture)}");
        writer.WriteString("description", ItemDescription(exchange));
        writer.WritePropertyName("request");
        WriteRequest(writer, exchange, bases[exchange.ServiceName].Variable);
        writer.WriteStartArray("response");
        WriteResponse(writer, exchange, bases[exchange.ServiceName].Variable);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteRequest(Utf8JsonWriter writer, CapturedExchange exchange, string baseVariable)
    {
        writer.WriteStartObject();
        writer.WriteString("method", exchange.HttpMethod.Length == 0 ? "GET" : exchange.HttpMethod.ToUpperInvariant());
        writer.WriteStartArray("header");
        foreach (var header in ExportedHeaders.For(exchange))
        {
            writer.WriteStartObject();
            writer.WriteString("key", header.Name);
            if (RedactedValues.IsRedacted(header.Value))
            {
                writer.WriteString("value", header.Value.Replace(RedactedValues.Marker, "{{" + RedactedValues.PostmanVariable(header.Name) + "}}", StringComparison.Ordinal));
                writer.WriteString("description", "Redacted when recorded: set the collection variable.");
            }
            else
            {
                writer.WriteString("value", header.Value);
            }
            writer.WriteString("type", "text");
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        if (exchange.RequestMessages.Count > 0 && exchange.RequestMessages[0] is { Text.Length: > 0 } body)
        {
            writer.WriteStartObject("body");
            writer.WriteString("mode", "raw");
            writer.WriteString("raw", body.Text);
            if (IsJson(body.TypeName))
            {
                writer.WriteStartObject("options");
                writer.WriteStartObject("raw");
                writer.WriteString("language", "json");
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        writer.WritePropertyName("url");
        WriteUrl(writer, exchange, baseVariable);
        writer.WriteEndObject();
    }

    private static void WriteUrl(Utf8JsonWriter writer, CapturedExchange exchange, string baseVariable)
    {
        var recorded = exchange.Path.Length == 0 ? "/" : exchange.Path;
        var queryStart = recorded.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? recorded : recorded[..queryStart];
        var query = queryStart < 0 ? "" : recorded[(queryStart + 1)..];
        writer.WriteStartObject();
        writer.WriteString("raw", "{{" + baseVariable + "}}" + (recorded.StartsWith('/') ? recorded : "/" + recorded));
        writer.WriteStartArray("host");
        writer.WriteStringValue("{{" + baseVariable + "}}");
        writer.WriteEndArray();
        writer.WriteStartArray("path");
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            writer.WriteStringValue(segment);
        }
        writer.WriteEndArray();
        if (query.Length > 0)
        {
            writer.WriteStartArray("query");
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                writer.WriteStartObject();
                writer.WriteString("key", equals < 0 ? pair : pair[..equals]);
                if (equals < 0)
                {
                    writer.WriteNull("value");
                }
                else
                {
                    writer.WriteString("value", pair[(equals + 1)..]);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    /// <summary>The recorded response, saved as the request's example so Postman shows what the backend answered.</summary>
    private static void WriteResponse(Utf8JsonWriter writer, CapturedExchange exchange, string baseVariable)
    {
        writer.WriteStartObject();
        writer.WriteString("name", "Recorded " + exchange.StatusCode.ToString(CultureInfo.InvariantCulture));
        writer.WritePropertyName("originalRequest");
        WriteRequest(writer, exchange, baseVariable);
        writer.WriteNumber("code", exchange.StatusCode);
        writer.WriteStartArray("header");
        foreach (var header in exchange.ResponseHeaders)
        {
            writer.WriteStartObject();
            writer.WriteString("key", header.Name);
            writer.WriteString("value", header.Value);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        if (exchange.ResponseMessages.Count > 0 && exchange.ResponseMessages[0] is { Text.Length: > 0 } body)
        {
            writer.WriteString("body", body.Text);
            writer.WriteString("_postman_previewlanguage", IsJson(body.TypeName) ? "json" : "text");
        }
        writer.WriteNumber("responseTime", Math.Round(exchange.DurationMs, 3));
        writer.WriteEndObject();
    }

    private static void WriteVariable(Utf8JsonWriter writer, string key, string value, string description)
    {
        writer.WriteStartObject();
        writer.WriteString("key", key);
        writer.WriteString("value", value);
        writer.WriteString("type", "string");
        writer.WriteString("description", description);
        writer.WriteEndObject();
    }

    /// <summary>
    /// The base URL variable of each service: <c>baseUrl</c> when the exchanges come from one service (or a target is
    /// given), else <c>baseUrl_SERVICE</c>, valued with the service's most recent recorded authority.
    /// </summary>
    private static Dictionary<string, (string Variable, string Value)> BaseUrls(List<CapturedExchange> exchanges, ExportTarget target)
    {
        var services = exchanges.GroupBy(e => e.ServiceName, StringComparer.Ordinal).ToList();
        var single = services.Count <= 1 || target.Authority is not null;
        return services.ToDictionary(
            g => g.Key,
            g => (single ? "baseUrl" : "baseUrl_" + RedactedValues.PostmanVariable(g.Key.Length == 0 ? "unknown" : g.Key), target.BaseUrl(g.Last())),
            StringComparer.Ordinal);
    }

    private static IEnumerable<(string Variable, string Header)> SecretVariables(IEnumerable<CapturedExchange> exchanges) =>
        exchanges.SelectMany(ExportedHeaders.For)
            .Where(h => RedactedValues.IsRedacted(h.Value))
            .Select(h => (RedactedValues.PostmanVariable(h.Name), h.Name))
            .DistinctBy(v => v.Item1)
            .OrderBy(v => v.Item1, StringComparer.Ordinal);

    private static IEnumerable<(string Name, List<CapturedExchange> Exchanges)> Folders(List<CapturedExchange> exchanges, PostmanGrouping grouping) =>
        grouping == PostmanGrouping.Api
            ? exchanges.GroupBy(e => e.ApiName, StringComparer.Ordinal).Select(g => (g.Key.Length == 0 ? "unnamed API" : g.Key, g.ToList()))
            : exchanges.GroupBy(e => e.ClientId, StringComparer.Ordinal).Select(g => (g.Key.Length == 0 ? "unknown client" : "client " + g.Key, g.ToList()));

    private static string CollectionDescription(PostmanExportOptions options, int httpCount, List<CapturedExchange> grpc)
    {
        var text = new StringBuilder();
        text.Append("Recorded by the Experiments SDK: ").Append(httpCount.ToString(CultureInfo.InvariantCulture)).Append(" HTTP request(s)");
        if (options.Description.Length > 0)
        {
            text.Append(" (").Append(options.Description).Append(')');
        }
        text.Append(". Set the collection variables of redacted headers before sending; `baseUrl` says where requests go.");
        if (grpc.Count > 0)
        {
            text.Append("\n\n## gRPC calls\n\nCollection format v2.1 has no gRPC requests, so the ")
                .Append(grpc.Count.ToString(CultureInfo.InvariantCulture))
                .Append(" recorded gRPC call(s) are listed here as grpcurl commands (or open a gRPC request in Postman: the services have server reflection).\n\n```sh\n")
                .Append(GrpcurlExport.Script(grpc, options.Target))
                .Append("```\n");
        }
        return text.ToString();
    }

    private static string ItemDescription(CapturedExchange exchange)
    {
        var lines = new List<string>
        {
            $"Client: {(exchange.ClientId.Length == 0 ? "unknown" : exchange.ClientId)}" + (exchange.UnitId.Length > 0 ? $", unit {exchange.UnitId}" : ""),
            $"Recorded: {(exchange.StartTime is null ? "?" : exchange.StartTime.ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))}, {exchange.HttpVersion}, status {exchange.StatusCode.ToString(CultureInfo.InvariantCulture)} in {exchange.DurationMs.ToString("0.###", CultureInfo.InvariantCulture)} ms",
        };
        if (exchange.Variants.Count > 0)
        {
            lines.Add("Variants served: " + string.Join(", ", exchange.Variants.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => v.Key + "=" + v.Value)));
        }
        if (exchange.Redactions.Count > 0)
        {
            lines.Add("Redacted: " + string.Join(", ", exchange.Redactions));
        }
        if (exchange.Truncated)
        {
            lines.Add("Truncated at the capture size cap: the body is incomplete.");
        }
        if (exchange.RequestMessages.Count > 0 && exchange.RequestMessages[0] is { Text.Length: 0, Payload.Length: > 0 } binary)
        {
            lines.Add($"The recorded body ({binary.Payload.Length.ToString(CultureInfo.InvariantCulture)} bytes of {binary.TypeName}) is not text and is not included: the curl export sends it.");
        }
        lines.Add("Capture " + exchange.CaptureId);
        return string.Join("\n\n", lines);
    }

    private static bool IsJson(string contentType) =>
        contentType.Contains("json", StringComparison.OrdinalIgnoreCase);
}
