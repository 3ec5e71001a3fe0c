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
/// the handler called as Grpc.AspNetCore calls a unary method without interceptors (it takes the order engine from
/// the container), and through <see cref="ExperimentsInterceptor"/>, a <c>Grpc.Core.Interceptors.Interceptor</c>, as
/// Grpc.AspNetCore's interceptor pipeline calls it (unit id from the request headers, timing, the request event into
/// the buffer; the handler takes the engine from the variant service). Both handlers answer with a completed Task
/// built in advance, so only what the SDK adds is measured; grpc-dotnet's own per-call work is left out of both. Units rotate over
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

    /// <summary>
    /// A unary call's context as a test double of one method, the way grpc-dotnet's examples/Tester builds one
    /// (TestServerCallContext; Grpc.Core.Testing is not available here): the HTTP context carrying the unit id is
    /// put where <c>GetHttpContext()</c> looks for it outside a real server, in <c>UserState["__HttpContext"]</c>.
    /// That lookup (a dictionary probe, twice per call) costs the interceptor a little more than on a real
    /// server, where <c>GetHttpContext()</c> is a type check.
    /// </summary>
    private sealed class BenchCallContext : ServerCallContext
    {
        private const string HttpContextKey = "__HttpContext";
        private readonly Dictionary<object, object> _userState = [];

        public BenchCallContext(string userId)
        {
            var http = new DefaultHttpContext();
            http.Request.Method = HttpMethods.Post;
            http.Request.ContentType = "application/grpc";
            http.Request.Headers["x-user-id"] = userId;
            _userState[HttpContextKey] = http;
        }

        protected override string MethodCore => "/experiments.bench.v1.Quotes/Quote";

        protected override string HostCore => "127.0.0.1";

        protected override string PeerCore => "ipv4:127.0.0.1:5000";

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
