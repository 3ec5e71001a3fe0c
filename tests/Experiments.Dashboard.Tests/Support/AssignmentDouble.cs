using System.Net;
using Experiments.Contracts.V1;
using Experiments.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Dashboard.Tests.Support;

/// <summary>
/// A test double of the assignment service on a real loopback socket, built on our gRPC layer: WatchDefinitions
/// streams a snapshot of the given experiments and then stays open; ListAuditEntries answers each experiment's
/// entries, or UNAVAILABLE for the experiments listed in <see cref="UnavailableAudit"/>. Everything else is
/// UNIMPLEMENTED. The statistics service reaches it the way it reaches the real one.
/// </summary>
internal sealed class AssignmentDouble : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AssignmentDouble(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    public static async Task<AssignmentDouble> StartAsync(Definitions definitions)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpcServer();
        builder.Services.AddSingleton(definitions);
        builder.Services.AddSingleton<FakeAssignment>();
        builder.Services.AddSingleton<FakeExperimentAdmin>();
        var app = builder.Build();
        app.MapGrpcService<FakeAssignment>(AssignmentServiceReflection.Descriptor.Services[0]);
        app.MapGrpcService<FakeExperimentAdmin>(ExperimentServiceReflection.Descriptor.Services[0]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AssignmentDouble(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>What the double serves.</summary>
    internal sealed class Definitions
    {
        public List<Experiment> Experiments { get; } = [];

        public Dictionary<string, List<AuditEntry>> Audit { get; } = [];

        public HashSet<string> UnavailableAudit { get; } = [];
    }

    internal sealed class FakeAssignment(Definitions definitions)
    {
        public Task<AssignResponse> Assign(AssignRequest request, ServerCallContext context) => throw Unimplemented();

        public Task<AssignBatchResponse> AssignBatch(AssignBatchRequest request, ServerCallContext context) => throw Unimplemented();

        public async Task WatchDefinitions(WatchDefinitionsRequest request, IServerStreamWriter<WatchDefinitionsResponse> responseStream, ServerCallContext context)
        {
            if (request.ResumeAfterVersion == 0)
            {
                var snapshot = new DefinitionSnapshot();
                snapshot.Experiments.AddRange(definitions.Experiments.Select(e => e.Clone()));
                await responseStream.WriteAsync(new WatchDefinitionsResponse { Version = 1, Snapshot = snapshot });
            }
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    internal sealed class FakeExperimentAdmin(Definitions definitions)
    {
        public Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context)
        {
            if (definitions.UnavailableAudit.Contains(request.ExperimentId))
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "audit store is down"));
            }
            var response = new ListAuditEntriesResponse();
            response.AuditEntries.AddRange(definitions.Audit.GetValueOrDefault(request.ExperimentId) ?? []);
            return Task.FromResult(response);
        }

        public Task<Experiment> GetExperiment(GetExperimentRequest request, ServerCallContext context) =>
            Task.FromResult(definitions.Experiments.FirstOrDefault(e => e.Id == request.Id) ?? throw new RpcException(new Status(StatusCode.NotFound, request.Id)));

        public Task<Experiment> StopExperiment(StopExperimentRequest request, ServerCallContext context) => throw Unimplemented();

        public Task<Experiment> CreateExperiment(CreateExperimentRequest request, ServerCallContext context) => throw Unimplemented();

        public Task<ListExperimentsResponse> ListExperiments(ListExperimentsRequest request, ServerCallContext context) => throw Unimplemented();

        public Task<Experiment> UpdateExperiment(UpdateExperimentRequest request, ServerCallContext context) => throw Unimplemented();

        public Task<Experiment> StartExperiment(StartExperimentRequest request, ServerCallContext context) => throw Unimplemented();

        public Task<Experiment> RampExperiment(RampExperimentRequest request, ServerCallContext context) => throw Unimplemented();

        public Task<Experiment> ArchiveExperiment(ArchiveExperimentRequest request, ServerCallContext context) => throw Unimplemented();
    }

    private static RpcException Unimplemented() => new(new Status(StatusCode.Unimplemented, "not part of the test double"));
}
