using System.Globalization;

namespace Experiments.Cli.Configuration;

/// <summary>Resolves <see cref="CliSettings"/> from options, environment and config files (see there for the order).</summary>
internal static class CliSettingsResolver
{
    public const string AssignmentUrlVariable = "EXP_ASSIGNMENT_URL";
    public const string StatisticsUrlVariable = "EXP_STATISTICS_URL";
    public const string IngestionUrlVariable = "EXP_INGESTION_URL";
    public const string ApiKeyVariable = "EXP_API_KEY";
    public const string TimeoutVariable = "EXP_TIMEOUT";
    public const string ConfigVariable = "EXP_CONFIG";

    public static CliSettings Resolve(CliHost host, GlobalOptionValues options)
    {
        var files = ConfigFiles(host, options.ConfigPath ?? NullIfEmpty(host.GetEnvironmentVariable(ConfigVariable)));
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);

        string? Pick(string name, string? option, string optionName, string variable, Func<ConfigFile, string?> fromFile)
        {
            if (NullIfEmpty(option) is { } fromOption)
            {
                sources[name] = "option " + optionName;
                return fromOption;
            }
            if (NullIfEmpty(host.GetEnvironmentVariable(variable)) is { } fromEnvironment)
            {
                sources[name] = "environment " + variable;
                return fromEnvironment;
            }
            foreach (var file in files)
            {
                if (NullIfEmpty(fromFile(file)) is { } value)
                {
                    sources[name] = "file " + file.Path;
                    return value;
                }
            }
            sources[name] = "default";
            return null;
        }

        var assignment = Pick("assignment_url", options.AssignmentUrl, "--assignment-url", AssignmentUrlVariable, f => f.AssignmentUrl) ?? CliSettings.DefaultAssignmentUrl;
        var statistics = Pick("statistics_url", options.StatisticsUrl, "--statistics-url", StatisticsUrlVariable, f => f.StatisticsUrl) ?? CliSettings.DefaultStatisticsUrl;
        var ingestion = Pick("ingestion_url", options.IngestionUrl, "--ingestion-url", IngestionUrlVariable, f => f.IngestionUrl) ?? CliSettings.DefaultIngestionUrl;
        var apiKey = Pick("api_key", options.ApiKey, "--api-key", ApiKeyVariable, f => f.ApiKey);
        var timeout = Pick("timeout", options.Timeout, "--timeout", TimeoutVariable, f => f.Timeout);
        return new CliSettings(
            ParseAddress(assignment, "assignment_url"),
            ParseAddress(statistics, "statistics_url"),
            apiKey,
            timeout is null ? CliSettings.DefaultTimeout : ParseTimeout(timeout))
        {
            IngestionUrl = ParseAddress(ingestion, "ingestion_url"),
            Sources = sources,
        };
    }

    /// <summary>The config files in effect, most specific first: the explicit one, or ./exp.yaml then the user's file.</summary>
    private static List<ConfigFile> ConfigFiles(CliHost host, string? explicitPath)
    {
        if (explicitPath is not null)
        {
            var path = Path.GetFullPath(explicitPath, host.WorkingDirectory);
            if (!File.Exists(path))
            {
                throw new CliUsageException($"config file {path} does not exist");
            }
            return [ConfigFile.Load(path)];
        }
        var files = new List<ConfigFile>();
        var local = Path.Combine(host.WorkingDirectory, "exp.yaml");
        if (File.Exists(local))
        {
            files.Add(ConfigFile.Load(local));
        }
        var configHome = NullIfEmpty(host.ConfigHome) ?? (host.HomeDirectory is { } home ? Path.Combine(home, ".config") : null);
        if (configHome is not null)
        {
            var user = Path.Combine(configHome, "exp", "config.yaml");
            if (File.Exists(user))
            {
                files.Add(ConfigFile.Load(user));
            }
        }
        return files;
    }

    private static Uri ParseAddress(string value, string name)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }
        throw new CliUsageException($"{name} '{value}' is not an http:// or https:// address");
    }

    /// <summary>Seconds (<c>30</c>, <c>2.5</c>) or a number with a unit: <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>.</summary>
    public static TimeSpan ParseTimeout(string value)
    {
        var text = value.Trim();
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0 && double.IsFinite(amount))
        {
            return TimeSpan.FromSeconds(amount * scale);
        }
        throw new CliUsageException($"timeout '{value}' is not a positive duration (e.g. 30, 30s, 2m)");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>The global options as given on the command line (null when absent).</summary>
internal sealed record GlobalOptionValues(string? AssignmentUrl, string? StatisticsUrl, string? ApiKey, string? Timeout, string? ConfigPath, string? IngestionUrl = null);
