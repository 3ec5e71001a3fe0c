using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Testing.Dapr;

/// <summary>
/// A stand-in for daprd on two loopback ports, speaking Dapr's own APIs as the Dapr .NET SDK uses them: the gRPC
/// service <c>dapr.proto.runtime.v1.Dapr</c> (HTTP/2) for state — GetState, GetBulkState, SaveState and
/// ExecuteStateTransaction with ETags (<see cref="DaprStateStore"/>) — and publishing (PublishEvent, BulkPublishEvent),
/// the HTTP port (HTTP/1.1) for <c>/v1.0/healthz</c> and <c>/v1.0/healthz/outbound</c>, the app callbacks for
/// delivery (<see cref="DaprBroker"/>), and gRPC service invocation: a call with <c>dapr-app-id</c> is proxied to the
/// app registered with <see cref="RouteApp"/>. One double can serve several apps, as one Redis serves several sidecars.
/// </summary>
public sealed class DaprSidecarDouble : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DaprStateStore> _stores = new(StringComparer.Ordinal);
    private readonly List<string> _calls = [];
    private readonly List<string?> _tokens = [];
    private readonly Dictionary<string, Uri> _apps = new(StringComparer.Ordinal);
    private WebApplication? _app;

    private DaprSidecarDouble(IEnumerable<string> stores)
    {
        foreach (var store in stores)
        {
            _stores[store] = new DaprStateStore();
        }
    }

    public int HttpPort { get; private set; }

    public int GrpcPort { get; private set; }

    public DaprBroker Broker { get; } = new();

    /// <summary>While false, the health endpoints answer 500 (a sidecar whose components are not ready).</summary>
    public bool Healthy { get; set; } = true;

    /// <summary>Every state write fails (500 from the store) while set.</summary>
    public bool FailSaves { get; set; }

    /// <summary>Picks which entry ids of the next bulk publish fail; cleared once used.</summary>
    public Func<IReadOnlyList<string>, IReadOnlyList<string>>? FailNextBulkPublish { get; set; }

    /// <summary>"GetState statestore/key", "BulkPublishEvent pubsub/topic", "Invoke ingestion/experiments.v1.Ingestion/IngestBatch", … in arrival order.</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The <c>dapr-api-token</c> of every gRPC call.</summary>
    public IReadOnlyList<string?> Tokens
    {
        get
        {
            lock (_lock)
            {
                return [.. _tokens];
            }
        }
    }

    /// <summary>Where a call with <c>dapr-app-id: <paramref name="appId"/></c> goes (an app's gRPC address).</summary>
    public void RouteApp(string appId, string address)
    {
        lock (_lock)
        {
            _apps[appId] = new Uri(address);
        }
    }

    internal Uri? AppAddress(string appId)
    {
        lock (_lock)
        {
            return _apps.GetValueOrDefault(appId);
        }
    }

    internal void RecordInvocation(string call, string? token)
    {
        lock (_lock)
        {
            _calls.Add("Invoke " + call);
            _tokens.Add(string.IsNullOrEmpty(token) ? null : token);
        }
    }

    /// <summary>Settings that point a service at this sidecar (Dapr mode on, both ports).</summary>
    public Dictionary<string, string> Settings(string? apiToken = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Dapr:HttpPort"] = HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dapr:GrpcPort"] = GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (apiToken is not null)
        {
            settings["Dapr:ApiToken"] = apiToken;
        }
        return settings;
    }

    public static async Task<DaprSidecarDouble> StartAsync(params string[] stores)
    {
        var sidecar = new DaprSidecarDouble(stores.Length == 0 ? ["statestore"] : stores);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(sidecar);
        builder.Services.AddSingleton<DaprStateApi>();
        builder.Services.AddSingleton<DaprInvocation>();
        sidecar.HttpPort = FreePort();
        sidecar.GrpcPort = FreePort();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, sidecar.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, sidecar.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        var invocation = app.Services.GetRequiredService<DaprInvocation>();
        app.Use((context, next) => context.Connection.LocalPort == sidecar.GrpcPort && context.Request.Headers["dapr-app-id"] is [{ Length: > 0 } appId, ..]
            ? invocation.InvokeAsync(context, appId)
            : next(context));
        app.MapGrpcService<DaprStateApi>();
        app.MapGet("/v1.0/healthz", () => sidecar.Healthy ? Results.NoContent() : Results.StatusCode(500));
        app.MapGet("/v1.0/healthz/outbound", () => sidecar.Healthy ? Results.NoContent() : Results.StatusCode(500));
        await app.StartAsync();
        sidecar._app = app;
        return sidecar;
    }

    /// <summary>A state store of the double; daprd answers INVALID_ARGUMENT for a store it has no component of.</summary>
    public DaprStateStore Store(string name)
    {
        lock (_lock)
        {
            return _stores.TryGetValue(name, out var store) ? store
                : throw new RpcException(new Status(StatusCode.InvalidArgument, $"state store {name} is not found"));
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal void Record(ServerCallContext context, string call)
    {
        lock (_lock)
        {
            _calls.Add(call);
            _tokens.Add(context.RequestHeaders.GetValue("dapr-api-token"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        if (_app is { } app)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
