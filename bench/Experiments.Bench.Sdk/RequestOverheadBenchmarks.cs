using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Experiments.Assignment.Definitions;
using Experiments.Sdk;
using Experiments.Sdk.Definitions;
using Experiments.Sdk.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.FeatureManagement;

namespace Experiments.Bench.Sdk;

/// <summary>
/// The cost the SDK adds to one HTTP request, in the same run: the same ASP.NET Core pipeline (routing, a minimal
/// API endpoint that asks for the order engine) without the SDK, and with it — the middleware (unit id from a
/// header, timing, the request event into the buffer) and the engine resolved by variant service (evaluation of a
/// running 50/50 experiment, exposure check). Units rotate over 4,096 user ids, so after the first pass no unit is
/// new (exposures are once per unit). Each SDK request also takes one event out of the buffer, as the background
/// sender would, so the buffer never fills (that makes the measured cost an over-estimate, not an under-).
/// </summary>
[MemoryDiagnoser]
public class RequestOverheadBenchmarks
{
    private const int UnitCount = 4096;
    private RequestDelegate _baseline = null!;
    private RequestDelegate _withSdk = null!;
    private DefaultHttpContext[] _contexts = null!;
    private TelemetryBuffer _buffer = null!;
    private ServiceProvider _baselineServices = null!;
    private ServiceProvider _sdkServices = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var baseline = new ServiceCollection().AddLogging().AddRouting().AddSingleton(new DiagnosticListener("bench"));
        baseline.AddSingleton<IOrderEngine, ClassicEngine>();
        _baselineServices = baseline.BuildServiceProvider();
        _baseline = Pipeline(_baselineServices, useSdk: false, endpoints => endpoints.MapGet("/quotes/{symbol}", (string symbol, IOrderEngine engine) => engine.Quote(symbol)));

        var sdk = new ServiceCollection().AddLogging().AddRouting().AddSingleton(new DiagnosticListener("bench"))
            .AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        sdk.AddExperiments(options => options.IngestionAddress = "http://127.0.0.1:1").WithVariantService<IOrderEngine>("place-order-engine");
        sdk.AddSingleton<IOrderEngine, ClassicEngine>();
        sdk.AddSingleton<IOrderEngine, FastEngine>();
        _sdkServices = sdk.BuildServiceProvider();
        _sdkServices.GetRequiredService<DefinitionsStore>().ApplySnapshot(1, [Experiment()]);
        _buffer = _sdkServices.GetRequiredService<TelemetryBuffer>();
        _withSdk = Pipeline(_sdkServices, useSdk: true, endpoints => endpoints.MapGet("/quotes/{symbol}",
            async (string symbol, IVariantServiceProvider<IOrderEngine> engines, CancellationToken cancellationToken) =>
                (await engines.GetServiceAsync(cancellationToken)).Quote(symbol)));

        _contexts = new DefaultHttpContext[UnitCount];
        for (var i = 0; i < UnitCount; i++)
        {
            var context = new DefaultHttpContext();
            context.Request.Method = HttpMethods.Get;
            context.Request.Path = "/quotes/ACME";
            context.Request.Headers["x-user-id"] = "user-" + i;
            context.Response.Body = Stream.Null;
            _contexts[i] = context;
        }
        // Warm every unit once, as a long-running service would have.
        for (var i = 0; i < UnitCount; i++)
        {
            WithSdk().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _baselineServices.Dispose();
        _sdkServices.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task WithoutSdk() => _baseline(Next(_baselineServices));

    [Benchmark]
    public Task WithSdk()
    {
        var task = _withSdk(Next(_sdkServices));
        _buffer.TryDequeue(out _);
        return task;
    }

    private DefaultHttpContext Next(IServiceProvider services)
    {
        var context = _contexts[_next++ & (UnitCount - 1)];
        context.RequestServices = services;
        context.SetEndpoint(null);
        context.Request.RouteValues.Clear();
        context.Response.StatusCode = StatusCodes.Status200OK;
        return context;
    }

    private static RequestDelegate Pipeline(IServiceProvider services, bool useSdk, Action<IEndpointRouteBuilder> map)
    {
        var app = new ApplicationBuilder(services);
        app.UseRouting();
        if (useSdk)
        {
            app.UseExperiments();
        }
        app.UseEndpoints(map);
        return app.Build();
    }

    private static ExperimentDefinition Experiment() => new()
    {
        Id = "engine-v2",
        FlagKey = "place-order-engine",
        Variants = [new ExperimentVariant("control", "", 50, true, ""), new ExperimentVariant("fast-engine", "", 50, false, "")],
        Unit = UnitKind.User,
        RolloutPercent = 100,
        State = ExperimentState.Running,
        Revision = 2,
        Seed = "seed-engine-v2",
    };
}

public interface IOrderEngine
{
    string Quote(string symbol);
}

[VariantServiceAlias("control")]
public sealed class ClassicEngine : IOrderEngine
{
    public string Quote(string symbol) => "classic";
}

[VariantServiceAlias("fast-engine")]
public sealed class FastEngine : IOrderEngine
{
    public string Quote(string symbol) => "fast";
}
