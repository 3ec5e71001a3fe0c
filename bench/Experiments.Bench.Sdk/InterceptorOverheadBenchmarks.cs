using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
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
/// 4,096 user ids as in <see cref="RequestOverheadBenchmarks"/>, and as there in two kinds of app:
/// <list type="bullet">
/// <item><c>Plain</c>: the app registers no IHttpContextAccessor (Grpc.AspNetCore does not), so the interceptor
/// serves the unit on the call's flow: one ExecutionContext write per call.</item>
/// <item><c>Accessor</c>: the app registers IHttpContextAccessor; hosting sets it for every request, here by hand for
/// both sides, and the interceptor serves the unit through it.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OverheadConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
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
    private Func<BenchCallContext, Task<Reply>> _plainCall = null!;
    private Func<BenchCallContext, Task<Reply>> _sdkCall = null!;
    private BenchCallContext[] _calls = null!;
    private readonly HttpContextAccessor _accessor = new();
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
        // Built once: a lambda over this evaluated per call would allocate its delegate every time.
        _plainCall = call => _plainHandler(Request, call);
        _sdkCall = call =>
        {
            var task = _interceptor.UnaryServerHandler(Request, call, _sdkHandler);
            _buffer.TryDequeue(out _);
            return task;
        };
        _calls = new BenchCallContext[UnitCount];
        for (var i = 0; i < UnitCount; i++)
        {
            _calls[i] = new BenchCallContext("user-" + i);
        }
        // Warm every unit once, both ways the unit can travel.
        for (var i = 0; i < UnitCount; i++)
        {
            WithInterceptor().GetAwaiter().GetResult();
            WithInterceptorAccessor().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Plain")]
    public Task<Reply> WithoutInterceptor() => _plainHandler(Request, Next());

    [Benchmark]
    [BenchmarkCategory("Plain")]
    public Task<Reply> WithInterceptor()
    {
        var task = _interceptor.UnaryServerHandler(Request, Next(), _sdkHandler);
        _buffer.TryDequeue(out _);
        return task;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Accessor")]
    public Task<Reply> WithoutInterceptorAccessor() => WithAccessor(_plainCall);

    [Benchmark]
    [BenchmarkCategory("Accessor")]
    public Task<Reply> WithInterceptorAccessor() => WithAccessor(_sdkCall);

    /// <summary>
    /// One call as hosting runs it when IHttpContextAccessor is registered: the accessor set for the request, cleared
    /// after, and the flow put back as it was (so the other benchmarks of the run do not inherit it).
    /// </summary>
    private Task<Reply> WithAccessor(Func<BenchCallContext, Task<Reply>> handle)
    {
        var flow = ExecutionContext.Capture()!;
        try
        {
            var call = Next();
            _accessor.HttpContext = call.Http;
            var task = handle(call);
            _accessor.HttpContext = null;
            return task;
        }
        finally
        {
            ExecutionContext.Restore(flow);
        }
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
            Http = new DefaultHttpContext();
            Http.Request.Method = HttpMethods.Post;
            Http.Request.ContentType = "application/grpc";
            Http.Request.Headers["x-user-id"] = userId;
            _userState[HttpContextKey] = Http;
        }

        public DefaultHttpContext Http { get; }

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
