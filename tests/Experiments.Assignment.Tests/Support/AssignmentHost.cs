using Experiments.Clients;
using Experiments.Contracts.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Assignment.Tests.Support;

/// <summary>
/// The Assignment service composed as Program.cs composes it, on Kestrel at 127.0.0.1 with an ephemeral port
/// (a real socket), with its SQLite file in a data folder the test chooses (so a second host over the same folder
/// is a restart). The generated clients carry the admin, read-only or no key.
/// </summary>
internal sealed class AssignmentHost : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key";
    public const string ReadKey = "test-read-key";
    public const string IngestKey = "test-ingest-key";

    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private readonly bool _ownsFolder;

    private AssignmentHost(WebApplication app, string address, string dataFolder, bool ownsFolder)
    {
        _ownsFolder = ownsFolder;
        _app = app;
        Address = address;
        DataFolder = dataFolder;
        _channel = GrpcChannel.ForAddress(address);
    }

    public string Address { get; }

    public string DataFolder { get; }

    public IServiceProvider Services => _app.Services;

    public ExperimentAdmin.ExperimentAdminClient Admin => new(_channel.WithApiKey(AdminKey));

    public ExperimentAdmin.ExperimentAdminClient AdminWithReadKey => new(_channel.WithApiKey(ReadKey));

    public ExperimentAdmin.ExperimentAdminClient AdminWithoutKey => new(_channel);

    public Contracts.V1.Assignment.AssignmentClient Assignment => AssignmentWith(ReadKey);

    public Contracts.V1.Assignment.AssignmentClient AssignmentWith(string key) => new(_channel.WithApiKey(key));

    public Contracts.V1.Assignment.AssignmentClient AssignmentWithoutKey => new(_channel);

    public static async Task<AssignmentHost> StartAsync(string? dataFolder = null, IDictionary<string, string?>? settings = null)
    {
        var ownsFolder = dataFolder is null;
        dataFolder ??= TempFolder.Create();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ApplicationName = "Experiments.Assignment" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var configuration = new Dictionary<string, string?>
        {
            ["Data:Folder"] = dataFolder,
            ["Auth:Enabled"] = "true",
            // The service's appsettings.json (copied here) points exposures at a local ingestion service; tests opt in.
            ["Exposures:IngestionAddress"] = "",
            ["Auth:ApiKeys:0:Key"] = AdminKey,
            ["Auth:ApiKeys:0:Name"] = "test-admin",
            ["Auth:ApiKeys:0:Scopes:0"] = "admin",
            ["Auth:ApiKeys:0:Scopes:1"] = "read",
            ["Auth:ApiKeys:1:Key"] = ReadKey,
            ["Auth:ApiKeys:1:Name"] = "test-reader",
            ["Auth:ApiKeys:1:Scopes:0"] = "read",
            ["Auth:ApiKeys:2:Key"] = IngestKey,
            ["Auth:ApiKeys:2:Name"] = "test-ingester",
            ["Auth:ApiKeys:2:Scopes:0"] = "ingest",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.AddServiceDefaults();
        builder.AddAssignment();
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapAssignment();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        await app.Services.GetRequiredService<Definitions.ExperimentCatalog>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return new AssignmentHost(app, address, dataFolder, ownsFolder);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsFolder)
        {
            TempFolder.Delete(DataFolder);
        }
    }
}

internal static class TempFolder
{
    public static string Create()
    {
        var path = Path.Combine(Path.GetTempPath(), "experiments-assignment-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open (e.g. by a process being killed) only leaves litter in the temp folder.
        }
    }
}
