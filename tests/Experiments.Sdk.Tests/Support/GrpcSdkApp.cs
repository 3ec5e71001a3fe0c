using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Sdk.Tests.Support;

/// <summary>
/// A user's gRPC backend with the SDK: <see cref="VariantEchoService"/> on Grpc.AspNetCore with the SDK's interceptor
/// (and the SDK's HTTP middleware, as an app serving both would have), on Kestrel at 127.0.0.1 with an HTTP/2-only
/// listener, so grpcio can call it over a real socket.
/// </summary>
internal sealed class GrpcSdkApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcSdkApp(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    /// <summary>host:port, as grpcio targets are written.</summary>
    public string Target => new Uri(Address).Authority;

    public ExperimentsStatus Status => _app.Services.GetRequiredService<ExperimentsStatus>();

    public static async Task<GrpcSdkApp> StartAsync(Action<ExperimentsOptions> configure, IReadOnlyDictionary<string, Func<GrpcChannel>> inMemory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton<ExperimentsChannels>(new TestChannels(inMemory));
        builder.Services.AddGrpc(options => options.AddExperimentsInterceptor());
        builder.Services.AddExperiments(configure).WithVariantService<IOrderEngine>(SampleDefinitions.Flag);
        builder.Services.AddSingleton<IOrderEngine, ClassicEngine>();
        builder.Services.AddSingleton<IOrderEngine, FastEngine>();
        var app = builder.Build();
        app.UseExperiments();
        app.MapGrpcService<VariantEchoService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new GrpcSdkApp(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
