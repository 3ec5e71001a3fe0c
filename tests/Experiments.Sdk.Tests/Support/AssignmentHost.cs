using Experiments.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AssignmentExtensions = Microsoft.AspNetCore.Builder.AssignmentServiceExtensions;
using Catalog = Experiments.Assignment.Definitions.ExperimentCatalog;

namespace Experiments.Sdk.Tests.Support;

/// <summary>
/// The real Assignment service, composed as its Program.cs composes it, on Kestrel at 127.0.0.1 (a real socket),
/// SQLite in a temporary folder, with an admin key and a read key. Driven through its generated clients.
/// </summary>
internal sealed class AssignmentHost : IAsyncDisposable
{
    public const string AdminKey = "sdk-test-admin-key";
    public const string ReadKey = "sdk-test-read-key";

    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;
    private readonly string _folder;

    private AssignmentHost(WebApplication app, string address, string folder)
    {
        _app = app;
        _folder = folder;
        Address = address;
        _channel = GrpcChannel.ForAddress(address);
    }

    public string Address { get; }

    public static async Task<AssignmentHost> StartAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "experiments-sdk-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ApplicationName = "Experiments.Assignment" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Data:Folder"] = folder,
            ["Auth:Enabled"] = "true",
            ["Exposures:IngestionAddress"] = "",
            ["Auth:ApiKeys:0:Key"] = AdminKey,
            ["Auth:ApiKeys:0:Name"] = "sdk-test-admin",
            ["Auth:ApiKeys:0:Scopes:0"] = "admin",
            ["Auth:ApiKeys:0:Scopes:1"] = "read",
            ["Auth:ApiKeys:1:Key"] = ReadKey,
            ["Auth:ApiKeys:1:Name"] = "sdk-test-reader",
            ["Auth:ApiKeys:1:Scopes:0"] = "read",
        });
        builder.AddServiceDefaults();
        AssignmentExtensions.AddAssignment(builder);
        var app = builder.Build();
        app.MapServiceDefaults();
        AssignmentExtensions.MapAssignment(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        await app.Services.GetRequiredService<Catalog>().Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return new AssignmentHost(app, address, folder);
    }

    public async Task<Experiment> CreateAndStartAsync(string id, Experiment experiment)
    {
        var admin = new ExperimentAdmin.ExperimentAdminClient(_channel);
        var created = await admin.CreateExperimentAsync(new CreateExperimentRequest { ExperimentId = id, Experiment = experiment }, As(AdminKey));
        return await admin.StartExperimentAsync(new StartExperimentRequest { Id = id, ExpectedRevision = created.Revision }, As(AdminKey));
    }

    public async Task<Experiment> RampAsync(string id, long revision, double percent) =>
        await new ExperimentAdmin.ExperimentAdminClient(_channel).RampExperimentAsync(
            new RampExperimentRequest { Id = id, ExpectedRevision = revision, RolloutPercent = percent, Reason = "test" }, As(AdminKey));

    public async Task<AssignBatchResponse> AssignBatchAsync(AssignBatchRequest request) =>
        await new Contracts.V1.Assignment.AssignmentClient(_channel).AssignBatchAsync(request, As(ReadKey));

    private static CallOptions As(string key) =>
        new(new Metadata { { "authorization", "Bearer " + key } }, DateTime.UtcNow.AddSeconds(60));

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
