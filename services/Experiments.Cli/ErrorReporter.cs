using System.Text;
using System.Text.Json;
using Experiments.Clients;
using Grpc.Core;

namespace Experiments.Cli;

/// <summary>
/// Turns a failure into one message on stderr and an exit code. A server's refusal is shown as the server sent it:
/// status code name, message, field violations; never a stack trace.
/// </summary>
internal static class ErrorReporter
{
    public static int Report(CliHost host, bool json, Exception exception, CliContext? context)
    {
        switch (exception)
        {
            case RpcException rpc:
                return ReportRpc(host, json, rpc, context?.LastTarget);
            case CliUsageException usage:
                Write(host, json, "USAGE", usage.Message, [], null);
                return ExitCodes.Usage;
            default:
                Write(host, json, "CLIENT_ERROR", $"{exception.GetType().Name}: {exception.Message}", [], null);
                return ExitCodes.ServerError;
        }
    }

    private static int ReportRpc(CliHost host, bool json, RpcException exception, (string Name, Uri Address)? target)
    {
        var code = StatusName(exception.StatusCode);
        var violations = RpcErrorDetails.GetFieldViolations(exception);
        var hint = exception.StatusCode switch
        {
            StatusCode.Unavailable or StatusCode.DeadlineExceeded when target is { } t =>
                $"the {t.Name} service at {t.Address} did not answer; is it running? (--{t.Name}-url, EXP_{t.Name.ToUpperInvariant()}_URL)",
            StatusCode.Unauthenticated => "pass an API key with --api-key or EXP_API_KEY (local mode: dev-local-key)",
            StatusCode.PermissionDenied => "the API key lacks the scope this command needs (admin to change experiments, read to read them, capture to read recorded traffic)",
            _ => null,
        };
        Write(host, json, code, exception.Status.Detail, violations, hint, target);
        return ExitCodes.ForStatus(exception.StatusCode);
    }

    private static void Write(CliHost host, bool json, string code, string message, IReadOnlyList<FieldViolation> violations, string? hint, (string Name, Uri Address)? target = null)
    {
        if (json)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteStartObject("error");
                writer.WriteString("code", code);
                writer.WriteString("message", message);
                if (violations.Count > 0)
                {
                    writer.WriteStartArray("fieldViolations");
                    foreach (var violation in violations)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("field", violation.Field);
                        writer.WriteString("description", violation.Description);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                }
                if (target is { } t)
                {
                    writer.WriteString("service", t.Name);
                    writer.WriteString("address", t.Address.ToString());
                }
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            host.Error.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
        }
        else
        {
            var (headline, remainder) = Headline(message, violations);
            host.Error.WriteLine(code == "USAGE" ? $"error: {message}" : $"error: {code}: {headline}");
            foreach (var violation in violations)
            {
                host.Error.WriteLine($"  {violation.Field}: {violation.Description}");
            }
            if (remainder is not null)
            {
                host.Error.WriteLine($"  {remainder}");
            }
            if (hint is not null)
            {
                host.Error.WriteLine($"  hint: {hint}");
            }
        }
        host.Error.Flush();
    }

    /// <summary>
    /// The first line of a refusal. A message that only restates the field violations ("field: description; …", as
    /// our services word it for clients that cannot read details) becomes a count, so each violation is shown once,
    /// on its own line; what follows the restatement (e.g. "and 12 more violations") goes below the list.
    /// </summary>
    private static (string Headline, string? Remainder) Headline(string message, IReadOnlyList<FieldViolation> violations)
    {
        if (violations.Count == 0)
        {
            return (message, null);
        }
        var listing = string.Join("; ", violations.Select(v => v.Field + ": " + v.Description));
        if (message == listing)
        {
            var fields = violations.Select(v => v.Field).Distinct(StringComparer.Ordinal).Count();
            return (fields == 1 ? "1 invalid field" : $"{fields} invalid fields", null);
        }
        return message.StartsWith(listing + "; ", StringComparison.Ordinal)
            ? ("invalid fields", message[(listing.Length + 2)..])
            : (message, null);
    }

    /// <summary>The canonical name of a status code, e.g. INVALID_ARGUMENT (grpc/grpc doc/statuscodes.md).</summary>
    public static string StatusName(StatusCode code)
    {
        if (code == StatusCode.OK)
        {
            return "OK";
        }
        var name = code.ToString();
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                builder.Append('_');
            }
            builder.Append(char.ToUpperInvariant(name[i]));
        }
        return builder.ToString();
    }
}
