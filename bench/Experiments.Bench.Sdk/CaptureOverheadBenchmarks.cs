using BenchmarkDotNet.Attributes;
using Experiments.Sdk;
using Experiments.Sdk.Capture;
using Experiments.Sdk.Grpc;
using Experiments.Sdk.Telemetry;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FeatureManagement;

namespace Experiments.Bench.Sdk;

/// <summary>
/// What capture (issue #16) costs one inbound unary gRPC call, in the same run: the handler called as Grpc.AspNetCore calls
/// it without interceptors (baseline), then through <see cref="ExperimentsInterceptor"/> in three apps — capture off,
/// capture on but the call not sampled (a rate of 1e-12: the random draw is made and always loses), and capture on with
/// every call sampled (request and response recorded as protobuf bytes and JSON text, headers, the variant, the exchange
/// buffered, then taken out of the buffer so its budget never fills; the sender is not running). The messages are
/// protobuf messages (a four-field order as a Struct, a StringValue reply), so the sampled path serializes and formats
/// real messages. Units rotate over 4,096 user ids; the app registers no IHttpContextAccessor (the unit travels on the
/// call's flow), as in <see cref="InterceptorOverheadBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OverheadConfig))]
public class CaptureOverheadBenchmarks
{
    private const int UnitCount = 4096;
    private static readonly Struct Order = new()
    {
        Fields =
        {
            ["symbol"] = Value.ForString("ACME"),
            ["quantity"] = Value.ForNumber(100),
            ["side"] = Value.ForString("BUY"),
            ["account"] = Value.ForString("acct-42"),
        },
    };

    private readonly Dictionary<string, Task<StringValue>> _replies = new(StringComparer.Ordinal);
    private readonly List<ServiceProvider> _providers = [];
    private SdkApp _off = null!;
    private SdkApp _notSampled = null!;
    private SdkApp _sampled = null!;
    private IOrderEngine _engine = null!;
    private UnaryServerMethod<Struct, StringValue> _plainHandler = null!;
    private CallContext[] _calls = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new ClassicEngine();
        foreach (var engine in new IOrderEngine[] { new ClassicEngine(), new FastEngine() })
        {
            _replies[engine.Quote("ACME")] = Task.FromResult(new StringValue { Value = engine.Quote("ACME") });
        }
        _plainHandler = (request, context) => _replies[_engine.Quote(request.Fields["symbol"].StringValue)];
        _off = Build(capture => capture.Enabled = false);
        _notSampled = Build(capture =>
        {
            capture.Enabled = true;
            capture.SampleRate = 1e-12;
        });
        _sampled = Build(capture =>
        {
            capture.Enabled = true;
            capture.SampleRate = 1;
        });
        _calls = new CallContext[UnitCount];
        for (var i = 0; i < UnitCount; i++)
        {
            _calls[i] = new CallContext("user-" + i);
        }
        for (var i = 0; i < UnitCount; i++)
        {
            SdkCaptureOff().GetAwaiter().GetResult();
            CaptureOnNotSampled().GetAwaiter().GetResult();
            CaptureOnSampled().GetAwaiter().GetResult();
        }
        if (_sampled.Buffer.Count != 0 || _sampled.Buffer.Bytes != 0)
        {
            throw new InvalidOperationException("The sampled app's capture buffer should be drained after every call.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }
    }

    [Benchmark(Baseline = true)]
    public Task<StringValue> NoSdk() => _plainHandler(Order, Next());

    [Benchmark]
    public Task<StringValue> SdkCaptureOff() => _off.Call(Order, Next());

    [Benchmark]
    public Task<StringValue> CaptureOnNotSampled() => _notSampled.Call(Order, Next());

    [Benchmark]
    public Task<StringValue> CaptureOnSampled()
    {
        var task = _sampled.Call(Order, Next());
        if (!_sampled.Buffer.TryDequeue(out _, out var size))
        {
            throw new InvalidOperationException("A sampled call was not captured.");
        }
        _sampled.Buffer.Release(size);
        return task;
    }

    private SdkApp Build(Action<CaptureOptions> capture)
    {
        var provider = SdkServices.Build(services => services.Configure<ExperimentsOptions>(options => capture(options.Capture)));
        _providers.Add(provider);
        var engines = provider.GetRequiredService<IVariantServiceProvider<IOrderEngine>>();
        return new SdkApp(
            provider.GetRequiredService<ExperimentsInterceptor>(),
            provider.GetRequiredService<TelemetryBuffer>(),
            provider.GetRequiredService<CaptureBuffer>(),
            (request, context) => _replies[engines.GetServiceAsync(context.CancellationToken).Result.Quote(request.Fields["symbol"].StringValue)]);
    }

    private CallContext Next() => _calls[_next++ & (UnitCount - 1)];

    /// <summary>One app with the SDK: its interceptor around a handler that takes the engine from the variant service.</summary>
    private sealed class SdkApp(ExperimentsInterceptor interceptor, TelemetryBuffer telemetry, CaptureBuffer buffer, UnaryServerMethod<Struct, StringValue> handler)
    {
        public CaptureBuffer Buffer => buffer;

        public Task<StringValue> Call(Struct request, CallContext context)
        {
            var task = interceptor.UnaryServerHandler(request, context, handler);
            telemetry.TryDequeue(out _);
            return task;
        }
    }

    /// <summary>
    /// A unary call's context as grpc-dotnet's examples/Tester builds one, the HTTP context (with the unit id, and an
    /// authorization header for the sampled path to redact) where <c>GetHttpContext()</c> finds it outside a server.
    /// </summary>
    private sealed class CallContext : ServerCallContext
    {
        private readonly Dictionary<object, object> _userState = [];

        public CallContext(string userId)
        {
            var http = new DefaultHttpContext();
            http.Request.Method = HttpMethods.Post;
            http.Request.Protocol = "HTTP/2";
            http.Request.Path = "/experiments.bench.v1.Orders/PlaceOrder";
            http.Request.Host = new HostString("127.0.0.1:5000");
            http.Request.ContentType = "application/grpc";
            http.Request.Headers["x-user-id"] = userId;
            http.Request.Headers.Authorization = "Bearer bench-token";
            _userState["__HttpContext"] = http;
        }

        protected override string MethodCore => "/experiments.bench.v1.Orders/PlaceOrder";

        protected override string HostCore => "127.0.0.1:5000";

        protected override string PeerCore => "ipv4:127.0.0.1:5001";

        protected override DateTime DeadlineCore => DateTime.MaxValue;

        protected override Metadata RequestHeadersCore { get; } = [];

        protected override CancellationToken CancellationTokenCore => CancellationToken.None;

        protected override Metadata ResponseTrailersCore { get; } = [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore { get; } = new(null, []);

        protected override IDictionary<object, object> UserStateCore => _userState;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
            throw new NotSupportedException("The bench's handlers make no outgoing calls.");

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
