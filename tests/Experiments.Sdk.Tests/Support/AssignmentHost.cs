using Experiments.Contracts.V1;
using Experiments.Grpc;
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
/// SQLite in a temporary folder, with an admin key and a read key. Driven through the protos only.
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
        var created = await Unary<CreateExperimentRequest, Experiment>(ExperimentServiceReflection.Descriptor.Services[0], "CreateExperiment",
            new CreateExperimentRequest { ExperimentId = id, Experiment = experiment }, AdminKey);
        return await Unary<StartExperimentRequest, Experiment>(ExperimentServiceReflection.Descriptor.Services[0], "StartExperiment",
            new StartExperimentRequest { Id = id, ExpectedRevision = created.Revision }, AdminKey);
    }

    public Task<Experiment> RampAsync(string id, long revision, double percent) =>
        Unary<RampExperimentRequest, Experiment>(ExperimentServiceReflection.Descriptor.Services[0], "RampExperiment",
            new RampExperimentRequest { Id = id, ExpectedRevision = revision, RolloutPercent = percent, Reason = "test" }, AdminKey);

    public Task<AssignBatchResponse> AssignBatchAsync(AssignBatchRequest request) =>
        Unary<AssignBatchRequest, AssignBatchResponse>(AssignmentServiceReflection.Descriptor.Services[0], "AssignBatch", request, ReadKey);

    private async Task<TResponse> Unary<TRequest, TResponse>(Google.Protobuf.Reflection.ServiceDescriptor service, string name, TRequest request, string key)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse>
    {
        var method = Method<TRequest, TResponse>.FromDescriptor(service.FindMethodByName(name));
        using var call = _channel.CreateCallInvoker().AsyncUnaryCall(method,
            new CallOptions(new Metadata().Add("authorization", "Bearer " + key), DateTime.UtcNow.AddSeconds(60)), request);
        return await call.ResponseAsync;
    }

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
