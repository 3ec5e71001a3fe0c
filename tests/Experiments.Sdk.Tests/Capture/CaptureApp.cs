using System.Net;
using System.Text.Json.Nodes;
using Experiments.Sdk.Telemetry;
using Experiments.Sdk.Tests.Support;
using Experiments.Testing;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Sdk.Tests.Capture;

/// <summary>
/// A user's backend with the SDK serving both gRPC (<see cref="VariantEchoService"/> behind the SDK's interceptor) and
/// HTTP (<c>POST /login</c> answers <c>{"user","token"}</c> to a JSON body; <c>GET /quotes/{symbol}</c> answers the
/// order engine's variant; <c>GET /stream</c> writes <c>first,</c>, flushes, and writes <c>second</c> once
/// <see cref="SecondChunk"/> is released), in memory, or on Kestrel at 127.0.0.1 (HTTP/2 only, for gRPC over a real socket).
/// </summary>
internal sealed class CaptureApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CaptureApp(WebApplication app, GrpcChannel channel, HttpClient? http)
    {
        _app = app;
        Channel = channel;
        Http = http;
    }

    public GrpcChannel Channel { get; }

    /// <summary>Lets <c>GET /stream</c> write its second chunk.</summary>
    public TaskCompletionSource SecondChunk => _app.Services.GetRequiredService<StreamGate>().Second;

    /// <summary>In memory only.</summary>
    public HttpClient? Http { get; }

    public IServiceProvider Services => _app.Services;

    public ExperimentsMetrics Metrics => _app.Services.GetRequiredService<ExperimentsMetrics>();

    public ExperimentsStatus Status => _app.Services.GetRequiredService<ExperimentsStatus>();

    public static async Task<CaptureApp> StartAsync(Action<ExperimentsOptions> configure, GrpcTestServer ingestion, GrpcTestServer? assignment = null, bool loopback = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (loopback)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        }
        else
        {
            builder.WebHost.UseTestServer();
        }
        builder.Services.AddSingleton<ExperimentsChannels>(new TestChannels(SdkApp.Servers(assignment, ingestion)));
        builder.Services.AddGrpc(options => options.AddExperimentsInterceptor());
        builder.Services.AddExperiments(configure).WithVariantService<IOrderEngine>(SampleDefinitions.Flag);
        builder.Services.AddSingleton<IOrderEngine, ClassicEngine>();
        builder.Services.AddSingleton<IOrderEngine, FastEngine>();
        builder.Services.AddSingleton<StreamGate>();
        var app = builder.Build();
        app.UseExperiments();
        app.MapGrpcService<VariantEchoService>();
        app.MapPost("/login", async (HttpRequest request) =>
        {
            var body = await JsonNode.ParseAsync(request.Body);
            var user = (string?)body?["user"] ?? "";
            return Results.Json(new { user, token = "session-token-of-" + user });
        });
        app.MapGet("/quotes/{symbol}", async (string symbol, Microsoft.FeatureManagement.IVariantServiceProvider<IOrderEngine> engines, CancellationToken cancellationToken) =>
            (await engines.GetServiceAsync(cancellationToken))?.Variant ?? "(none)");
        app.MapGet("/stream", async (HttpResponse response, StreamGate gate, CancellationToken cancellationToken) =>
        {
            response.ContentType = "text/plain";
            await response.WriteAsync("first,", cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            await gate.Second.Task.WaitAsync(cancellationToken);
            await response.WriteAsync("second", cancellationToken);
        });
        await app.StartAsync();
        if (loopback)
        {
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new CaptureApp(app, GrpcChannel.ForAddress(address), http: null);
        }
        var server = app.GetTestServer();
        return new CaptureApp(app, server.CreateGrpcChannel(), server.CreateClient());
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        Http?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class StreamGate
    {
        public TaskCompletionSource Second { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
