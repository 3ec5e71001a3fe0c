using Experiments.Clients;
using Experiments.Testing;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Ingestion.Tests.Support;

/// <summary>
/// The real Ingestion app hosted in memory (TestServer), called through the generated Ingestion client. Keys:
/// <see cref="IngestKey"/> has the ingest scope, <see cref="ReadKey"/> only read. Forwarding is off unless
/// the settings say otherwise.
/// </summary>
internal sealed class IngestionHost : IAsyncDisposable
{
    public const string IngestKey = "ingest-key";
    public const string IngestKeyName = "ingest-client";
    public const string ReadKey = "read-key";

    private readonly WebApplicationFactory<Program> _factory;

    private IngestionHost(WebApplicationFactory<Program> factory)
    {
        _factory = factory;
        Channel = factory.Server.CreateGrpcChannel();
    }

    public GrpcChannel Channel { get; }

    public static IngestionHost Start(string dataPath, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            ["Auth:ApiKeys:0:Key"] = IngestKey,
            ["Auth:ApiKeys:0:Name"] = IngestKeyName,
            ["Auth:ApiKeys:0:Scopes:0"] = "ingest",
            ["Auth:ApiKeys:0:Scopes:1"] = "",
            ["Auth:ApiKeys:0:Scopes:2"] = "",
            ["Auth:ApiKeys:0:Scopes:3"] = "",
            ["Auth:ApiKeys:1:Key"] = ReadKey,
            ["Auth:ApiKeys:1:Name"] = "reader",
            ["Auth:ApiKeys:1:Scopes:0"] = "read",
            ["Ingestion:Log:DataPath"] = dataPath,
            ["Ingestion:Forwarding:Mode"] = "None",
            ["Ingestion:Forwarding:InitialBackoff"] = "00:00:00.050",
            ["Ingestion:Forwarding:MaxBackoff"] = "00:00:00.500",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production");
            foreach (var (key, value) in all)
            {
                web.UseSetting(key, value);
            }
        });
        try
        {
            _ = factory.Server;
        }
        catch
        {
            // A host that refused to start (invalid options) must not leave its services behind.
            factory.Dispose();
            throw;
        }
        return new IngestionHost(factory);
    }

    public Contracts.V1.Ingestion.IngestionClient Client(string? apiKey = IngestKey) => new(Channel.WithApiKey(apiKey));

    public T Get<T>()
        where T : notnull => _factory.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _factory.DisposeAsync();
    }
}
