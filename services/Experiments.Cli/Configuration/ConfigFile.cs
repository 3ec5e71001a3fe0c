using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Experiments.Cli.Configuration;

/// <summary>
/// A config file: a YAML mapping with any of <c>assignment_url</c>, <c>statistics_url</c>, <c>ingestion_url</c>, <c>api_key</c> and
/// <c>timeout</c> (seconds, or a duration such as <c>30s</c>, <c>2m</c>). Keys may also be written with dashes
/// or in camelCase.
/// </summary>
internal sealed record ConfigFile(string Path, string? AssignmentUrl, string? StatisticsUrl, string? ApiKey, string? Timeout)
{
    /// <summary>The ingestion service's address (recorded traffic).</summary>
    public string? IngestionUrl { get; init; }

    public static ConfigFile Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"cannot read config file {path}: {exception.Message}");
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is not YamlScalarNode { Value: null or "" })
            {
                if (stream.Documents[0].RootNode is not YamlMappingNode mapping)
                {
                    throw new CliUsageException($"config file {path}: expected a mapping of settings");
                }
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    var key = Normalize(((YamlScalarNode)keyNode).Value ?? "");
                    if (key is not ("assignmenturl" or "statisticsurl" or "ingestionurl" or "apikey" or "timeout"))
                    {
                        throw new CliUsageException(
                            $"config file {path}, line {keyNode.Start.Line}: unknown setting '{((YamlScalarNode)keyNode).Value}' (expected assignment_url, statistics_url, ingestion_url, api_key, timeout)");
                    }
                    if (valueNode is not YamlScalarNode scalar)
                    {
                        throw new CliUsageException($"config file {path}, line {valueNode.Start.Line}: '{((YamlScalarNode)keyNode).Value}' must be a single value");
                    }
                    values[key] = scalar.Value ?? "";
                }
            }
        }
        catch (YamlException exception)
        {
            throw new CliUsageException($"config file {path}, line {exception.Start.Line}: {exception.Message}");
        }
        return new ConfigFile(
            path,
            values.GetValueOrDefault("assignmenturl"),
            values.GetValueOrDefault("statisticsurl"),
            values.GetValueOrDefault("apikey"),
            values.GetValueOrDefault("timeout"))
        {
            IngestionUrl = values.GetValueOrDefault("ingestionurl"),
        };
    }

    private static string Normalize(string key) =>
        key.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
}
