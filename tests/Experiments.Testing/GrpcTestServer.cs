using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Testing;

/// <summary>
/// A small gRPC server a test assembles itself (a double of a peer service): Grpc.AspNetCore with health and
/// reflection, plus the services the test adds and maps. In memory, or on Kestrel at 127.0.0.1 (HTTP/2 only, as h2c
/// gRPC needs) when a peer in another process must reach it.
/// </summary>
public sealed class GrpcTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TestServer? _server;

    private GrpcTestServer(WebApplication app, bool loopback)
    {
        _app = app;
        if (loopback)
        {
            Address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        }
        else
        {
            _server = app.GetTestServer();
        }
    }

    /// <summary>The in-memory server; only for a server not started on loopback.</summary>
    public TestServer Server => _server ?? throw new InvalidOperationException("This server listens on loopback: use Address.");

    /// <summary>The loopback address (<c>http://127.0.0.1:PORT</c>) of a server started on loopback; null in memory.</summary>
    public string? Address { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Builds and starts a server: <paramref name="configureServices"/> adds services (AddGrpc is already called),
    /// <paramref name="mapEndpoints"/> maps them; health and reflection are mapped after. In memory unless
    /// <paramref name="loopback"/>, then on <paramref name="port"/> (0: any free port).
    /// </summary>
    public static async Task<GrpcTestServer> StartAsync(Action<IServiceCollection> configureServices, Action<WebApplication> mapEndpoints, bool loopback = false, int port = 0)
    {
        ArgumentNullException.ThrowIfNull(configureServices);
        ArgumentNullException.ThrowIfNull(mapEndpoints);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (loopback)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        }
        else
        {
            builder.WebHost.UseTestServer();
        }
        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks();
        configureServices(builder.Services);
        var app = builder.Build();
        mapEndpoints(app);
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        await app.StartAsync().ConfigureAwait(false);
        return new GrpcTestServer(app, loopback);
    }

    /// <summary>Builds and starts a server for <paramref name="doubles"/>, side by side on one address.</summary>
    public static Task<GrpcTestServer> StartAsync(IReadOnlyList<IGrpcServiceDouble> doubles, bool loopback = false, int port = 0)
    {
        ArgumentNullException.ThrowIfNull(doubles);
        return StartAsync(
            services =>
            {
                foreach (var serviceDouble in doubles)
                {
                    serviceDouble.AddTo(services);
                }
            },
            app =>
            {
                foreach (var serviceDouble in doubles)
                {
                    serviceDouble.Map(app);
                }
            },
            loopback,
            port);
    }

    /// <summary>A loopback port that was free a moment ago: for a peer that starts later, or for an address nobody serves.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) =>
        Address is null ? Server.CreateGrpcChannel(options) : GrpcChannel.ForAddress(Address, options ?? new GrpcChannelOptions());

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
