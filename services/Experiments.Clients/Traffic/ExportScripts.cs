using System.Globalization;
using System.Text;
using Experiments.Contracts.V1;

namespace Experiments.Clients.Traffic;

/// <summary>What the curl and grpcurl scripts say around their commands: the variables to set, and where each call came from.</summary>
internal static class ExportScripts
{
    public static void AppendVariables(StringBuilder script, IEnumerable<CapturedExchange> exchanges)
    {
        var variables = exchanges.SelectMany(ExportedHeaders.For)
            .Where(h => RedactedValues.IsRedacted(h.Value))
            .Select(h => (Variable: RedactedValues.ShellVariable(h.Name), h.Name))
            .DistinctBy(v => v.Variable)
            .ToList();
        if (variables.Count == 0)
        {
            return;
        }
        script.Append("# Redacted when recorded; set these first (the whole header value, e.g. \"Bearer …\"):\n");
        foreach (var (variable, name) in variables)
        {
            script.Append("#   export ").Append(variable).Append("='…'   # header ").Append(name).Append('\n');
        }
    }

    public static void AppendComment(StringBuilder script, CapturedExchange exchange)
    {
        var comment = new StringBuilder("# ");
        if (exchange.StartTime is not null)
        {
            comment.Append(exchange.StartTime.ToDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(' ');
        }
        comment.Append(exchange.ApiName);
        if (exchange.ClientId.Length > 0)
        {
            comment.Append(" · client ").Append(exchange.ClientId);
        }
        comment.Append(exchange.Protocol == CaptureProtocol.Grpc ? " · recorded grpc-status " + (Grpc.Core.StatusCode)exchange.StatusCode : " · recorded status " + exchange.StatusCode.ToString(CultureInfo.InvariantCulture))
            .Append(" in ").Append(exchange.DurationMs.ToString("0.###", CultureInfo.InvariantCulture)).Append(" ms");
        if (exchange.Truncated || exchange.RequestMessages.Any(m => m.Truncated))
        {
            comment.Append(" · TRUNCATED at the capture size cap: the body below is incomplete");
        }
        // A recorded value cannot end the comment line and start a command.
        script.Append(comment.ToString().ReplaceLineEndings(" ")).Append('\n');
    }
}
