using Experiments.Testing;
using Experiments.Testing.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Sdk.Tests.Support;

/// <summary>
/// A user's backend with two dependencies, each a real Kestrel server on 127.0.0.1: a broker over HTTP
/// (<c>POST /orders/{id}?status=N&amp;delay=MS</c> answers status N after MS milliseconds) and a market-data supplier over
/// gRPC (<see cref="StampedEchoService"/>). The backend calls them through clients with <c>AddExperimentsTelemetry</c>
/// from its endpoints: <c>POST /place/{id}?status=N&amp;delay=MS</c> (broker), <c>GET /echo?code=N</c> (supplier unary),
/// <c>GET /prices?count=N&amp;age=MS</c> (supplier stream, read to its end); and serves <see cref="StampedEchoService"/>
/// itself over gRPC with the SDK's interceptor (HTTP/2 on <see cref="GrpcAddress"/>).
/// </summary>
internal sealed class DependencyApp : IAsyncDisposable
{
    private readonly WebApplication[] _apps;
    private readonly GrpcTestServer _supplier;

    private DependencyApp(WebApplication[] apps, GrpcTestServer supplier, string httpAddress, string grpcAddress)
    {
        _apps = apps;
        _supplier = supplier;
        Client = new HttpClient { BaseAddress = new Uri(httpAddress) };
        GrpcAddress = grpcAddress;
    }

    public HttpClient Client { get; }

    public string GrpcAddress { get; }

    public IServiceProvider Services => _apps[0].Services;

    /// <param name="configure">The SDK's options.</param>
    /// <param name="brokerAddress">Overrides the broker's address (e.g. a closed port).</param>
    /// <param name="utf8Headers">Decode request headers as UTF-8 rather than refuse non-ASCII bytes.</param>
    public static async Task<DependencyApp> StartAsync(Action<ExperimentsOptions> configure, IReadOnlyDictionary<string, Func<global::Grpc.Net.Client.GrpcChannel>> inMemory, string? brokerAddress = null, bool utf8Headers = false)
    {
        var broker = Quiet(WebApplication.CreateSlimBuilder());
        broker.WebHost.UseUrls("http://127.0.0.1:0");
        var brokerApp = broker.Build();
        brokerApp.MapPost("/orders/{id}", async (string id, int? status, int? delay) =>
        {
            await Task.Delay(delay ?? 0);
            return Results.StatusCode(status ?? StatusCodes.Status200OK);
        });
        await brokerApp.StartAsync();

        var supplier = await GrpcTestServer.StartAsync(_ => { }, app => app.MapGrpcService<StampedEchoService>(), loopback: true);

        var backend = Quiet(WebApplication.CreateSlimBuilder());
        backend.WebHost.ConfigureKestrel(k =>
        {
            if (utf8Headers)
            {
                k.RequestHeaderEncodingSelector = _ => System.Text.Encoding.UTF8;
            }
            k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1);
            k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
        });
        backend.Services.AddSingleton<ExperimentsChannels>(new TestChannels(inMemory));
        backend.Services.AddGrpc(o => o.AddExperimentsInterceptor());
        backend.Services.AddExperiments(configure).WithStaleness<EchoResponse>(StampedEchoService.SourceTimeOf);
        backend.Services.AddHttpClient("broker", c => c.BaseAddress = new Uri(brokerAddress ?? AddressOf(brokerApp)))
            .AddExperimentsTelemetry("broker", "/orders/{id}");
        backend.Services.AddGrpcClient<EchoService.EchoServiceClient>(o => o.Address = new Uri(supplier.Address!))
            .AddExperimentsTelemetry("supplier");
        var app = backend.Build();
        app.UseExperiments();
        app.MapGrpcService<StampedEchoService>();
        app.MapPost("/place/{id}", async (string id, int? status, int? delay, IHttpClientFactory clients) =>
        {
            using var response = await clients.CreateClient("broker").PostAsync($"orders/{id}?status={status ?? 200}&delay={delay ?? 0}", null);
            return (int)response.StatusCode;
        });
        app.MapGet("/echo", async (int? code, EchoService.EchoServiceClient supplierClient) =>
        {
            var request = new EchoRequest { Message = "hi" };
            if (code is > 0)
            {
                request.Error = new EchoError { Code = code.Value, Message = "supplier failed" };
            }
            try
            {
                return (await supplierClient.EchoAsync(request)).Message;
            }
            catch (global::Grpc.Core.RpcException e)
            {
                return e.StatusCode.ToString();
            }
        });
        app.MapGet("/prices", async (int count, int age, EchoService.EchoServiceClient supplierClient, CancellationToken cancellationToken) =>
        {
            using var call = supplierClient.ExpandEcho(new EchoRequest { Count = count, DelayMs = age }, cancellationToken: cancellationToken);
            var received = 0;
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                received++;
            }
            return received;
        });
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.ToArray();
        return new DependencyApp([app, brokerApp], supplier, addresses[0], addresses[1]);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? userId, string? clientId = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (userId is not null)
        {
            request.Headers.Add("x-user-id", userId);
        }
        if (clientId is not null)
        {
            request.Headers.Add("x-client-id", clientId);
        }
        return await Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        await _supplier.DisposeAsync();
    }

    private static WebApplicationBuilder Quiet(WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        return builder;
    }

    private static string AddressOf(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
}
