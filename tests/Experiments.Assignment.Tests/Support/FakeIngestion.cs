using System.Collections.Concurrent;
using Experiments.Contracts.V1;
using Experiments.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Assignment.Tests.Support;

/// <summary>An ingestion service stand-in on loopback that records every batch and the authorization it came with.</summary>
internal sealed class FakeIngestion : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeIngestion(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    public Recorder Received => _app.Services.GetRequiredService<Recorder>();

    public static async Task<FakeIngestion> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcServer();
        builder.Services.AddSingleton<Recorder>();
        builder.Services.AddSingleton<Service>();
        var app = builder.Build();
        app.MapGrpcService<Service>(IngestionServiceReflection.Descriptor.Services[0]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new FakeIngestion(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed class Recorder
    {
        public ConcurrentQueue<(EventBatch Batch, string? Authorization)> Batches { get; } = new();

        public IEnumerable<Event> Events => Batches.SelectMany(b => b.Batch.Events);
    }

    internal sealed class Service(Recorder recorder)
    {
        public Task<IngestResponse> IngestBatch(EventBatch request, ServerCallContext context)
        {
            recorder.Batches.Enqueue((request, context.RequestHeaders.GetValue("authorization")));
            return Task.FromResult(new IngestResponse { BatchSequence = request.Sequence, AcceptedCount = request.Events.Count });
        }

        public Task<IngestResponse> Ingest(IAsyncStreamReader<EventBatch> requests, ServerCallContext context) =>
            throw new RpcException(new Status(StatusCode.Unimplemented, "not used by the assignment service"));

        public Task IngestStream(IAsyncStreamReader<EventBatch> requests, IServerStreamWriter<IngestResponse> responses, ServerCallContext context) =>
            throw new RpcException(new Status(StatusCode.Unimplemented, "not used by the assignment service"));
    }
}
