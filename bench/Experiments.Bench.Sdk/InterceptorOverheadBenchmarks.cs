using BenchmarkDotNet.Attributes;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Experiments.Sdk.Grpc;
using Experiments.Sdk.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FeatureManagement;

namespace Experiments.Bench.Sdk;

/// <summary>
/// The cost the SDK's gRPC interceptor adds to one unary call of a handler that completes at once, in the same run:
/// the handler called as the gRPC layer calls it without interceptors (it takes the order engine from the container),
/// and through the interceptor (unit id from the metadata, timing, the request event into the buffer; the handler
/// takes the engine from the variant service). Both handlers answer with a completed Task built in advance, so
/// only what the SDK adds is measured; the gRPC layer's own per-call work is left out of both. Units rotate over
/// 4,096 user ids as in <see cref="RequestOverheadBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class InterceptorOverheadBenchmarks
{
    private const int UnitCount = 4096;
    private static readonly Reply Request = new("ACME");
    private readonly Dictionary<string, Task<Reply>> _replies = new(StringComparer.Ordinal);
    private ServiceProvider _services = null!;
    private TelemetryBuffer _buffer = null!;
    private ExperimentsInterceptor _interceptor = null!;
    private IOrderEngine _engine = null!;
    private IVariantServiceProvider<IOrderEngine> _engines = null!;
    private UnaryServerMethod<Reply, Reply> _plainHandler = null!;
    private UnaryServerMethod<Reply, Reply> _sdkHandler = null!;
    private BenchCallContext[] _calls = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _services = SdkServices.Build();
        _buffer = _services.GetRequiredService<TelemetryBuffer>();
        _interceptor = _services.GetRequiredService<ExperimentsInterceptor>();
        _engine = new ClassicEngine();
        _engines = _services.GetRequiredService<IVariantServiceProvider<IOrderEngine>>();
        foreach (var engine in new IOrderEngine[] { new ClassicEngine(), new FastEngine() })
        {
            _replies[engine.Quote("ACME")] = Task.FromResult(new Reply(engine.Quote("ACME")));
        }
        _plainHandler = (request, context) => _replies[_engine.Quote(request.Text)];
        _sdkHandler = (request, context) =>
        {
            var engines = _engines.GetServiceAsync(context.CancellationToken);
            return _replies[engines.Result.Quote(request.Text)];
        };
        _calls = new BenchCallContext[UnitCount];
        for (var i = 0; i < UnitCount; i++)
        {
            _calls[i] = new BenchCallContext("user-" + i);
        }
        for (var i = 0; i < UnitCount; i++)
        {
            WithInterceptor().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    public Task<Reply> WithoutInterceptor() => _plainHandler(Request, Next());

    [Benchmark]
    public Task<Reply> WithInterceptor()
    {
        var task = _interceptor.UnaryServerHandler(Request, Next(), _sdkHandler);
        _buffer.TryDequeue(out _);
        return task;
    }

    private BenchCallContext Next() => _calls[_next++ & (UnitCount - 1)];

    public sealed record Reply(string Text);

    /// <summary>A unary call's context as the gRPC layer gives it to handlers, on an HTTP context carrying the unit id.</summary>
    private sealed class BenchCallContext : ServerCallContext
    {
        private readonly DefaultHttpContext _http = new();

        public BenchCallContext(string userId)
        {
            _http.Request.Method = HttpMethods.Post;
            _http.Request.ContentType = "application/grpc";
            _http.Request.Headers["x-user-id"] = userId;
        }

        public override string Method => "/experiments.bench.v1.Quotes/Quote";

        public override string Host => "127.0.0.1";

        public override string Peer => "ipv4:127.0.0.1:5000";

        public override DateTime Deadline => DateTime.MaxValue;

        public override Metadata RequestHeaders { get; } = new();

        public override CancellationToken CancellationToken => CancellationToken.None;

        public override Metadata ResponseTrailers { get; } = new();

        public override Status Status { get; set; }

        public override WriteOptions? WriteOptions { get; set; }

        public override IDictionary<object, object> UserState { get; } = new Dictionary<object, object>();

        public override HttpContext HttpContext => _http;

        public override Task WriteResponseHeadersAsync(Metadata responseHeaders) => Task.CompletedTask;
    }
}
