using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Grpc.Tests.Interop;

/// <summary>A real Kestrel server on a loopback port with HTTP/2-only (h2c) endpoints, serving the interop service.</summary>
public sealed class LoopbackServer : IAsyncLifetime
{
    private WebApplication? _app;

    public string Address { get; private set; } = "";

    /// <summary>host:port, as grpcio targets are written.</summary>
    public string Target => new Uri(Address).Authority;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpcServer(options =>
        {
            options.ResponseCompressionAlgorithm = "gzip";
            options.MaxReceiveMessageSize = 1024 * 1024;
        });
        builder.Services.AddSingleton<InteropTestService>();
        _app = builder.Build();
        _app.MapGrpcService<InteropTestService>(Experiments.Testing.V1.InteropReflection.Descriptor.Services[0]);
        _app.MapGrpcHealth();
        _app.MapGrpcReflection();
        await _app.StartAsync();
        Address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
