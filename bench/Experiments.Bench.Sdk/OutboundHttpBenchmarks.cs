using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Experiments.Sdk;
using Experiments.Sdk.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Bench.Sdk;

/// <summary>
/// The cost <c>AddExperimentsTelemetry("broker")</c> adds to one outbound HttpClient call, in the same run: two named
/// clients from IHttpClientFactory over the same in-process primary handler, which answers at once with a new 200
/// response (so only the client pipeline is measured, no socket), one plain and one with the SDK's handler. Each is
/// called inside a served unit (<c>ExperimentsContext.ForUnit("u1")</c>, entered once for the whole run, as the
/// middleware or interceptor would have entered it for the request that makes the call) and outside any. Inside a
/// unit the SDK records the call (timing, route template, the request event into the buffer, taken out again by the
/// benchmark as the sender would); outside it only counts it. Set-up and clean-up fail the run unless the SDK
/// client recorded each call made inside the unit as <c>broker GET /orders/{id}</c>, and nothing outside.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OverheadConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class OutboundHttpBenchmarks
{
    private const string ApiName = "broker GET /orders/{id}";
    private static readonly Uri Order = new("orders/42", UriKind.Relative);
    private ServiceProvider _services = null!;
    private TelemetryBuffer _buffer = null!;
    private HttpClient _plain = null!;
    private HttpClient _withSdk = null!;
    private IDisposable? _unit;
    private long _calls;
    private long _recorded;

    [GlobalSetup(Targets = [nameof(WithoutSdkInUnit), nameof(WithSdkInUnit)])]
    public void SetupInUnit()
    {
        Setup();
        _unit = ExperimentsContext.ForUnit("u1");
        Check(inUnit: true);
    }

    [GlobalSetup(Targets = [nameof(WithoutSdkNoUnit), nameof(WithSdkNoUnit)])]
    public void SetupNoUnit()
    {
        Setup();
        Check(inUnit: false);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var inUnit = _unit is not null;
        _unit?.Dispose();
        _unit = null;
        _services.Dispose();
        if (_calls > 0 && _recorded != (inUnit ? _calls : 0))
        {
            throw new InvalidOperationException($"The SDK client recorded {_recorded} of {_calls} calls made {(inUnit ? "inside" : "outside")} the unit.");
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("InUnit")]
    public Task<HttpResponseMessage> WithoutSdkInUnit() => _plain.GetAsync(Order, HttpCompletionOption.ResponseHeadersRead);

    [Benchmark]
    [BenchmarkCategory("InUnit")]
    public Task<HttpResponseMessage> WithSdkInUnit() => Sdk();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("NoUnit")]
    public Task<HttpResponseMessage> WithoutSdkNoUnit() => _plain.GetAsync(Order, HttpCompletionOption.ResponseHeadersRead);

    [Benchmark]
    [BenchmarkCategory("NoUnit")]
    public Task<HttpResponseMessage> WithSdkNoUnit() => Sdk();

    private Task<HttpResponseMessage> Sdk()
    {
        var task = _withSdk.GetAsync(Order, HttpCompletionOption.ResponseHeadersRead);
        _calls++;
        if (_buffer.TryDequeue(out _))
        {
            _recorded++;
        }
        return task;
    }

    private void Setup()
    {
        _services = SdkServices.Build(services =>
        {
            services.AddHttpClient("broker-plain", Configure).ConfigurePrimaryHttpMessageHandler(() => new CompletedHandler());
            services.AddHttpClient("broker", Configure).ConfigurePrimaryHttpMessageHandler(() => new CompletedHandler())
                .AddExperimentsTelemetry("broker", "/orders/{id}");
        });
        _buffer = _services.GetRequiredService<TelemetryBuffer>();
        var clients = _services.GetRequiredService<IHttpClientFactory>();
        _plain = clients.CreateClient("broker-plain");
        _withSdk = clients.CreateClient("broker");
        _calls = 0;
        _recorded = 0;
    }

    private static void Configure(HttpClient client) => client.BaseAddress = new Uri("http://broker.test/");

    /// <summary>One call of each client, before measuring: the SDK one must record exactly what it should.</summary>
    private void Check(bool inUnit)
    {
        using (_plain.GetAsync(Order).GetAwaiter().GetResult())
        {
        }
        if (_buffer.TryDequeue(out _))
        {
            throw new InvalidOperationException("The plain client recorded a call.");
        }
        using (_withSdk.GetAsync(Order).GetAwaiter().GetResult())
        {
        }
        var recorded = _buffer.TryDequeue(out var item);
        if (recorded != inUnit || (inUnit && (item.ApiName != ApiName || item.Dependency != "broker" || item.UserId != "u1")))
        {
            throw new InvalidOperationException($"The SDK client recorded {(recorded ? item.ApiName + " for '" + item.UserId + "'" : "nothing")} for a call made {(inUnit ? "inside" : "outside")} the unit.");
        }
    }

    /// <summary>The dependency in process: every call answered at once with a new 200 response.</summary>
    private sealed class CompletedHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request });
    }
}
