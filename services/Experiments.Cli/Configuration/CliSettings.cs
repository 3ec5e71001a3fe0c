namespace Experiments.Cli.Configuration;

/// <summary>
/// Where <c>exp</c> connects and with which credentials, resolved per setting from the first source that has it:
/// command-line option, environment variable (<c>EXP_ASSIGNMENT_URL</c>, <c>EXP_STATISTICS_URL</c>,
/// <c>EXP_INGESTION_URL</c>, <c>EXP_API_KEY</c>, <c>EXP_TIMEOUT</c>), <c>./exp.yaml</c>, <c>~/.config/exp/config.yaml</c>,
/// then the defaults of local mode: assignment at http://127.0.0.1:5101, statistics at http://127.0.0.1:5103,
/// ingestion (recorded traffic) at http://127.0.0.1:5102, 30 s per call, and
/// — only for a server on a loopback address — the local development key <c>dev-local-key</c>.
/// </summary>
internal sealed record CliSettings(Uri AssignmentUrl, Uri StatisticsUrl, string? ApiKey, TimeSpan Timeout)
{
    public const string DefaultAssignmentUrl = "http://127.0.0.1:5101";
    public const string DefaultStatisticsUrl = "http://127.0.0.1:5103";
    public const string DefaultIngestionUrl = "http://127.0.0.1:5102";
    public const string LocalDevelopmentKey = "dev-local-key";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The ingestion service, which serves recorded traffic (Captures).</summary>
    public Uri IngestionUrl { get; init; } = new(DefaultIngestionUrl);

    /// <summary>Where each setting came from, for <c>exp config</c>.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; init; } = new Dictionary<string, string>();

    /// <summary>The key sent to <paramref name="address"/>: the configured one, else the development key on loopback.</summary>
    public string? ApiKeyFor(Uri address) =>
        ApiKey ?? (address.IsLoopback ? LocalDevelopmentKey : null);
}
