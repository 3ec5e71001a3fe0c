using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Grpc.Testing;

/// <summary>
/// A minimal in-memory gRPC server assembled by the test itself (no app entry point): the gRPC server
/// with health and reflection, plus whatever services the test adds and maps.
/// </summary>
public sealed class GrpcTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcTestServer(WebApplication app)
    {
        _app = app;
        Server = app.GetTestServer();
    }

    /// <summary>The underlying test server.</summary>
    public TestServer Server { get; }

    /// <summary>The app's services, e.g. to change health statuses or reach a fake.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Builds and starts a server. <paramref name="configureServices"/> adds services (the gRPC server itself
    /// is added, with options from <paramref name="configureGrpc"/>); <paramref name="mapEndpoints"/> maps
    /// the gRPC services (health and reflection are mapped after it).
    /// </summary>
    public static async Task<GrpcTestServer> StartAsync(
        Action<IServiceCollection> configureServices,
        Action<WebApplication> mapEndpoints,
        Action<Server.GrpcServerOptions>? configureGrpc = null)
    {
        ArgumentNullException.ThrowIfNull(configureServices);
        ArgumentNullException.ThrowIfNull(mapEndpoints);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        builder.Services.AddGrpcServer(configureGrpc);
        configureServices(builder.Services);
        var app = builder.Build();
        mapEndpoints(app);
        app.MapGrpcHealth();
        app.MapGrpcReflection();
        await app.StartAsync().ConfigureAwait(false);
        return new GrpcTestServer(app);
    }

    /// <summary>A channel to this server, in memory. Dispose it after the test.</summary>
    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => Server.CreateGrpcChannel(options);

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
