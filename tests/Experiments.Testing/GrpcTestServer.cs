using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Testing;

/// <summary>
/// A small in-memory gRPC server a test assembles itself (a double of a peer service): Grpc.AspNetCore with health
/// and reflection, plus the services the test adds and maps.
/// </summary>
public sealed class GrpcTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcTestServer(WebApplication app)
    {
        _app = app;
        Server = app.GetTestServer();
    }

    public TestServer Server { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Builds and starts a server: <paramref name="configureServices"/> adds services (AddGrpc is already called),
    /// <paramref name="mapEndpoints"/> maps them; health and reflection are mapped after.
    /// </summary>
    public static async Task<GrpcTestServer> StartAsync(Action<IServiceCollection> configureServices, Action<WebApplication> mapEndpoints)
    {
        ArgumentNullException.ThrowIfNull(configureServices);
        ArgumentNullException.ThrowIfNull(mapEndpoints);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks();
        configureServices(builder.Services);
        var app = builder.Build();
        mapEndpoints(app);
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        await app.StartAsync().ConfigureAwait(false);
        return new GrpcTestServer(app);
    }

    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => Server.CreateGrpcChannel(options);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
