using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Statistics.Tests.Support;

/// <summary>
/// A test double of the daprd sidecar's state API on a loopback port (HTTP/1.1, as daprd serves it): GET
/// <c>/v1.0/state/{store}/{key}</c> (204 when absent, the value and its ETag otherwise) and POST
/// <c>/v1.0/state/{store}</c> (an array of items; first-write concurrency refuses a stale or missing ETag with 409).
/// </summary>
internal sealed class DaprSidecarDouble : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Value, long ETag)> _items = [];
    private readonly List<string> _requests = [];
    private long _etag;

    private DaprSidecarDouble(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public string Store { get; init; } = "statestore";

    /// <summary>Saves answer 500 while set.</summary>
    public bool FailSaves { get; set; }

    public int Saves { get; private set; }

    public List<string?> Tokens { get; } = [];

    /// <summary>"GET /v1.0/state/statestore/key", "POST /v1.0/state/statestore", … in arrival order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<DaprSidecarDouble> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var sidecar = new DaprSidecarDouble(app);
        app.MapGet("/v1.0/state/{store}/{key}", (string store, string key, HttpContext http) => sidecar.Get(store, key, http));
        app.MapPost("/v1.0/state/{store}", (string store, HttpContext http) => sidecar.SaveAsync(store, http));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        sidecar.Port = address.Port;
        return sidecar;
    }

    /// <summary>Another writer replaces a key (e.g. a second replica configured with the same shard name).</summary>
    public void OverwriteFromElsewhere(string key)
    {
        lock (_lock)
        {
            if (_items.TryGetValue(key, out var item))
            {
                _items[key] = (item.Value, ++_etag);
            }
        }
    }

    public IReadOnlyList<string> Keys
    {
        get
        {
            lock (_lock)
            {
                return [.. _items.Keys];
            }
        }
    }

    private IResult Get(string store, string key, HttpContext http)
    {
        lock (_lock)
        {
            _requests.Add($"GET {http.Request.Path}");
            Tokens.Add(http.Request.Headers["dapr-api-token"]);
            if (store != Store)
            {
                return Results.BadRequest(new { errorCode = "ERR_STATE_STORE_NOT_FOUND" });
            }
            if (!_items.TryGetValue(key, out var item))
            {
                return Results.NoContent();
            }
            http.Response.Headers.ETag = item.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Text(item.Value, "application/json");
        }
    }

    private async Task<IResult> SaveAsync(string store, HttpContext http)
    {
        using var document = await JsonDocument.ParseAsync(http.Request.Body);
        lock (_lock)
        {
            _requests.Add($"POST {http.Request.Path}");
            Tokens.Add(http.Request.Headers["dapr-api-token"]);
            if (store != Store)
            {
                return Results.BadRequest(new { errorCode = "ERR_STATE_STORE_NOT_FOUND" });
            }
            if (FailSaves)
            {
                return Results.Json(new { errorCode = "ERR_STATE_SAVE", message = "store down (test)" }, statusCode: 500);
            }
            foreach (var item in document.RootElement.EnumerateArray())
            {
                var key = item.GetProperty("key").GetString()!;
                var firstWrite = item.TryGetProperty("options", out var options) && options.TryGetProperty("concurrency", out var c) && c.GetString() == "first-write";
                var etag = item.TryGetProperty("etag", out var e) ? e.GetString() : null;
                var exists = _items.TryGetValue(key, out var current);
                var stale = etag is not null
                    ? !exists || current.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture) != etag
                    : firstWrite && exists;
                if (stale)
                {
                    return Results.Json(new { errorCode = "ERR_STATE_SAVE", message = "possible etag mismatch" }, statusCode: 409);
                }
                _items[key] = (item.GetProperty("value").GetRawText(), ++_etag);
            }
            Saves++;
            return Results.NoContent();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
