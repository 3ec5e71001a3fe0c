using Experiments.Testing;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.FeatureManagement;

namespace Experiments.Sdk.Tests.Support;

/// <summary>
/// A user's backend with the SDK: the order engine rolled out by variant service, on Kestrel at 127.0.0.1 (a real
/// socket) or in memory. Endpoints: <c>GET /quotes/{symbol}</c> answers with the engine's variant,
/// <c>GET /flags/{flag}</c> with <c>{enabled}|{variant}</c> from IVariantFeatureManager, <c>POST /orders</c> answers
/// 503, <c>GET /boom</c> throws.
/// </summary>
internal sealed class SdkApp : IAsyncDisposable
{
    /// <summary>The address the SDK under test is given for ingestion; <see cref="Servers"/> maps it to the ingestion test server.</summary>
    public const string IngestionAddress = "http://ingestion.test";

    private readonly WebApplication _app;

    private SdkApp(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public ExperimentsStatus Status => _app.Services.GetRequiredService<ExperimentsStatus>();

    public static async Task<SdkApp> StartAsync(
        Action<ExperimentsOptions> configure,
        IReadOnlyDictionary<string, Func<GrpcChannel>>? inMemory = null,
        bool kestrel = false,
        Action<IServiceProvider>? beforeStart = null,
        IReadOnlyDictionary<string, string?>? configuration = null,
        bool httpContextAccessor = false,
        TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }
        builder.Logging.ClearProviders();
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }
        if (httpContextAccessor)
        {
            builder.Services.AddHttpContextAccessor();
        }
        if (kestrel)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }
        builder.Services.AddSingleton<ExperimentsChannels>(new TestChannels(inMemory ?? new Dictionary<string, Func<GrpcChannel>>()));
        builder.Services.AddExperiments(configure).WithVariantService<IOrderEngine>(SampleDefinitions.Flag);
        builder.Services.AddSingleton<IOrderEngine, ClassicEngine>();
        builder.Services.AddSingleton<IOrderEngine, FastEngine>();
        var app = builder.Build();
        app.UseExperiments();
        app.MapGet("/quotes/{symbol}", async (string symbol, IVariantServiceProvider<IOrderEngine> engines, CancellationToken cancellationToken) =>
            (await engines.GetServiceAsync(cancellationToken))?.Variant ?? "(none)");
        app.MapGet("/flags/{flag}", async (string flag, IVariantFeatureManager features, CancellationToken cancellationToken) =>
            $"{await features.IsEnabledAsync(flag, cancellationToken)}|{(await features.GetVariantAsync(flag, cancellationToken))?.Name}");
        app.MapPost("/orders", () => Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/boom", string () => throw new InvalidOperationException("boom"));
        beforeStart?.Invoke(app.Services);
        await app.StartAsync();
        HttpClient client;
        if (kestrel)
        {
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            client = new HttpClient { BaseAddress = new Uri(address) };
        }
        else
        {
            client = app.GetTestClient();
        }
        return new SdkApp(app, client);
    }

    public static Dictionary<string, Func<GrpcChannel>> Servers(GrpcTestServer? assignment = null, GrpcTestServer? ingestion = null)
    {
        var servers = new Dictionary<string, Func<GrpcChannel>>();
        if (assignment is not null)
        {
            servers[FakeAssignment.Address] = () => assignment.CreateChannel();
        }
        if (ingestion is not null)
        {
            servers[IngestionAddress] = () => ingestion.CreateChannel();
        }
        return servers;
    }

    /// <summary>GET /quotes/X as <paramref name="userId"/>: the variant the SDK served.</summary>
    public Task<string> QuoteAsync(string userId, string? clientId = null) =>
        GetAsync("/quotes/ACME", clientId is null ? [("x-user-id", userId)] : [("x-user-id", userId), ("x-client-id", clientId)]);

    /// <summary>GET <paramref name="path"/> with <paramref name="headers"/>: the body of a successful answer.</summary>
    public async Task<string> GetAsync(string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }
        using var response = await Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
