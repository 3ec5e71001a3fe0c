using System.Collections.Concurrent;
using Experiments.Contracts.V1;
using Grpc.Core;
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
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<Recorder>();
        builder.Services.AddSingleton<Service>();
        var app = builder.Build();
        app.MapGrpcService<Service>();
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

    /// <summary>Only IngestBatch, the RPC the assignment service sends exposures with; the base answers UNIMPLEMENTED to the others.</summary>
    internal sealed class Service(Recorder recorder) : Contracts.V1.Ingestion.IngestionBase
    {
        public override Task<IngestResponse> IngestBatch(EventBatch request, ServerCallContext context)
        {
            recorder.Batches.Enqueue((request, context.RequestHeaders.GetValue("authorization")));
            return Task.FromResult(new IngestResponse { BatchSequence = request.Sequence, AcceptedCount = request.Events.Count });
        }
    }
}
