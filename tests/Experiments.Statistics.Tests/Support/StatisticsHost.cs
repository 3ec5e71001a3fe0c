using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Testing;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Statistics.Tests.Support;

/// <summary>
/// The real Statistics app in memory (TestServer), called through the generated clients. Keys:
/// <see cref="InternalKey"/> (internal: what ingestion forwards with), <see cref="IngestKey"/> (ingest: what an SDK
/// holds), <see cref="ReadKey"/> (read), <see cref="AdminKey"/> (admin only). Checkpoints
/// and verdicts run every 50 ms so tests wait little; the data folder is the caller's.
/// </summary>
internal sealed class StatisticsHost : GrpcTestHost<Program>
{
    public const string IngestKey = "ingest-key";
    public const string ReadKey = "read-key";
    public const string AdminKey = "admin-key";
    public const string InternalKey = "internal-key";

    private readonly Dictionary<string, string> _settings;
    private GrpcChannel? _channel;

    public StatisticsHost(string dataFolder, IReadOnlyDictionary<string, string>? settings = null)
    {
        _settings = new Dictionary<string, string>
        {
            ["Data:Folder"] = dataFolder,
            ["Auth:Enabled"] = "true",
            ["Auth:ApiKeys:0:Key"] = InternalKey,
            ["Auth:ApiKeys:0:Name"] = "forwarder",
            ["Auth:ApiKeys:0:Scopes:0"] = "internal",
            ["Auth:ApiKeys:0:Scopes:1"] = "",
            ["Auth:ApiKeys:0:Scopes:2"] = "",
            ["Auth:ApiKeys:1:Key"] = ReadKey,
            ["Auth:ApiKeys:1:Name"] = "dashboard",
            ["Auth:ApiKeys:1:Scopes:0"] = "read",
            ["Auth:ApiKeys:2:Key"] = AdminKey,
            ["Auth:ApiKeys:2:Name"] = "operator",
            ["Auth:ApiKeys:2:Scopes:0"] = "admin",
            ["Auth:ApiKeys:3:Key"] = IngestKey,
            ["Auth:ApiKeys:3:Name"] = "sdk",
            ["Auth:ApiKeys:3:Scopes:0"] = "ingest",
            ["Statistics:CheckpointInterval"] = "00:00:00.050",
            ["Statistics:VerdictInterval"] = "00:00:00.050",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _settings[key] = value;
        }
    }

    public GrpcChannel Channel => _channel ??= CreateChannel();

    public StatisticsClient Client(string? apiKey = ReadKey) => new(Channel.WithApiKey(apiKey));

    public StatisticsIntake.StatisticsIntakeClient Intake(string? apiKey = InternalKey) => new(Channel.WithApiKey(apiKey));

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        await base.DisposeAsync();
    }
}
