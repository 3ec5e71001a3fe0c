using System.CommandLine;
using Spectre.Console;

namespace Experiments.Cli.Commands;

/// <summary><c>exp config</c>: the settings in effect and where each came from.</summary>
internal static class ConfigCommand
{
    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("config", "Show the addresses, API key (masked) and timeout in effect, and where each comes from");
        globals.SetHandler(command, (context, _) =>
        {
            var settings = context.Settings;
            var key = settings.ApiKey is { } configured ? Mask(configured)
                : $"none (loopback servers get {Configuration.CliSettings.LocalDevelopmentKey})";
            var rows = new (string Name, string Value)[]
            {
                ("assignment_url", settings.AssignmentUrl.ToString()),
                ("statistics_url", settings.StatisticsUrl.ToString()),
                ("ingestion_url", settings.IngestionUrl.ToString()),
                ("api_key", key),
                ("timeout", Rendering.Formats.Span(settings.Timeout)),
            };
            if (context.Json)
            {
                context.Host.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(
                    rows.ToDictionary(r => r.Name, r => new Dictionary<string, string> { ["value"] = r.Value, ["source"] = settings.Sources.GetValueOrDefault(r.Name, "default") }),
                    ConfigJsonContext.Default.DictionaryStringDictionaryStringString));
            }
            else
            {
                var table = new Table().Border(TableBorder.Simple).AddColumns("SETTING", "VALUE", "FROM");
                foreach (var (name, value) in rows)
                {
                    table.AddRow(new Text(name), new Text(value), new Text(settings.Sources.GetValueOrDefault(name, "default")));
                }
                context.Console.Write(table);
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static string Mask(string key) => key.Length <= 4 ? "****" : key[..2] + new string('*', Math.Min(key.Length - 4, 12)) + key[^2..];
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
internal sealed partial class ConfigJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
