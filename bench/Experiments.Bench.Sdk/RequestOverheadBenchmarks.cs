using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Experiments.Assignment.Definitions;
using Experiments.Sdk;
using Experiments.Sdk.Definitions;
using Experiments.Sdk.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FeatureManagement;

namespace Experiments.Bench.Sdk;

/// <summary>
/// The cost the SDK adds to one HTTP request, in the same run: the same ASP.NET Core pipeline (routing, a minimal
/// API endpoint that asks for the order engine) without the SDK, and with it — the middleware (unit id from a
/// header, timing, the request event into the buffer) and the engine resolved by variant service (evaluation of a
/// running 50/50 experiment, exposure check). Units rotate over 4,096 user ids, so after the first pass no unit is
/// new (exposures are once per unit). Each SDK request also takes one event out of the buffer, as the background
/// sender would, so the buffer never fills (that makes the measured cost an over-estimate, not an under-).
/// <list type="bullet">
/// <item><c>Plain</c>: the app registers no IHttpContextAccessor, so the SDK carries the unit on the flow
/// (one ExecutionContext write per request). <c>WithSdk</c> is the handler of the README
/// (<c>async (...) =&gt; (await engines.GetServiceAsync(ct)).Quote(symbol)</c>, a <c>Task&lt;string&gt;</c>);
/// <c>WithSdkValueTaskHandler</c> is the same handler declared <c>async ValueTask&lt;string&gt;</c>, which costs no
/// Task when it completes at once.</item>
/// <item><c>Accessor</c>: the app registers IHttpContextAccessor (as Microsoft.FeatureManagement's targeting in
/// ASP.NET Core asks it to); hosting sets it for every request, here by hand for both sides, and the SDK finds
/// the unit through it.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RequestOverheadBenchmarks
{
    private const int UnitCount = 4096;
    private RequestDelegate _baseline = null!;
    private RequestDelegate _withSdk = null!;
    private RequestDelegate _withSdkValueTask = null!;
    private DefaultHttpContext[] _contexts = null!;
    private TelemetryBuffer _buffer = null!;
    private ServiceProvider _baselineServices = null!;
    private ServiceProvider _sdkServices = null!;
    private readonly HttpContextAccessor _accessor = new();
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var baseline = new ServiceCollection().AddLogging().AddRouting().AddSingleton(new DiagnosticListener("bench"));
        baseline.AddSingleton<IOrderEngine, ClassicEngine>();
        _baselineServices = baseline.BuildServiceProvider();
        _baseline = Pipeline(_baselineServices, useSdk: false, endpoints => endpoints.MapGet("/quotes/{symbol}", (string symbol, IOrderEngine engine) => engine.Quote(symbol)));

        _sdkServices = SdkServices.Build();
        _buffer = _sdkServices.GetRequiredService<TelemetryBuffer>();
        _withSdk = Pipeline(_sdkServices, useSdk: true, endpoints => endpoints.MapGet("/quotes/{symbol}",
            async (string symbol, IVariantServiceProvider<IOrderEngine> engines, CancellationToken cancellationToken) =>
                (await engines.GetServiceAsync(cancellationToken)).Quote(symbol)));
        _withSdkValueTask = Pipeline(_sdkServices, useSdk: true, endpoints => endpoints.MapGet("/quotes/{symbol}",
            async ValueTask<string> (string symbol, IVariantServiceProvider<IOrderEngine> engines, CancellationToken cancellationToken) =>
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
        // Warm every unit once, as a long-running service would have, both ways the unit can travel.
        for (var i = 0; i < UnitCount; i++)
        {
            WithSdk().GetAwaiter().GetResult();
            WithSdkAccessor().GetAwaiter().GetResult();
        }
        Check();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _baselineServices.Dispose();
        _sdkServices.Dispose();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Plain")]
    public Task WithoutSdk() => _baseline(Next(_baselineServices));

    [Benchmark]
    [BenchmarkCategory("Plain")]
    public Task WithSdk() => Sdk(_withSdk);

    [Benchmark]
    [BenchmarkCategory("Plain")]
    public Task WithSdkValueTaskHandler() => Sdk(_withSdkValueTask);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Accessor")]
    public Task WithoutSdkAccessor() => WithAccessor(_baseline, _baselineServices);

    [Benchmark]
    [BenchmarkCategory("Accessor")]
    public Task WithSdkAccessor() => WithAccessor(_withSdk, _sdkServices);

    [Benchmark]
    [BenchmarkCategory("Accessor")]
    public Task WithSdkAccessorValueTaskHandler() => WithAccessor(_withSdkValueTask, _sdkServices);

    private Task Sdk(RequestDelegate pipeline)
    {
        var task = pipeline(Next(_sdkServices));
        _buffer.TryDequeue(out _);
        return task;
    }

    /// <summary>
    /// One request as hosting runs it when IHttpContextAccessor is registered: the accessor set for the request,
    /// cleared after, and the flow put back as it was (so the other benchmarks of the run do not inherit it).
    /// </summary>
    private Task WithAccessor(RequestDelegate pipeline, IServiceProvider services)
    {
        var flow = ExecutionContext.Capture()!;
        try
        {
            var context = Next(services);
            _accessor.HttpContext = context;
            var task = pipeline(context);
            _accessor.HttpContext = null;
            if (ReferenceEquals(services, _sdkServices))
            {
                _buffer.TryDequeue(out _);
            }
            return task;
        }
        finally
        {
            ExecutionContext.Restore(flow);
        }
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

    /// <summary>Fails the run if the SDK side does not serve both arms, so a broken setup cannot pass for a fast one.</summary>
    private void Check()
    {
        var served = new HashSet<string>();
        var engines = _sdkServices.GetRequiredService<IVariantServiceProvider<IOrderEngine>>();
        for (var i = 0; i < 64; i++)
        {
            using (ExperimentsContext.ForUnit("user-" + i))
            {
                served.Add(engines.GetServiceAsync(CancellationToken.None).GetAwaiter().GetResult().Quote("ACME"));
            }
        }
        if (!served.SetEquals(["classic", "fast"]))
        {
            throw new InvalidOperationException("The SDK served " + string.Join(", ", served) + " instead of both engines.");
        }
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
}
