using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Assignment.Tests.Support;

/// <summary>
/// A test double of a Dapr sidecar's state API on loopback, following docs.dapr.io (state management API
/// reference): GET /v1.0/state/{store}/{key} answers 200 with the value and an ETag header, or 204 when the key
/// is absent; POST /v1.0/state/{store} saves an array of items; POST .../bulk reads several keys; POST
/// .../transaction applies upserts and deletes atomically. ETags: a save or transaction operation carrying an
/// ETag that does not match the stored one (or naming a key that does not exist) fails with 409 and changes
/// nothing; with first-write concurrency and no ETag, saving over an existing key fails too. Every successful
/// write gives the key a new ETag. An unknown store name answers 400 ERR_STATE_STORE_NOT_FOUND.
/// </summary>
internal sealed class DaprStateDouble : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly Dictionary<string, (string Json, long Etag)> _items = new(StringComparer.Ordinal);
    private long _nextEtag = 1;

    private DaprStateDouble(WebApplication app) => _app = app;

    public const string StoreName = "statestore";

    public int Port { get; private set; }

    public int Writes { get; private set; }

    public static async Task<DaprStateDouble> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var double_ = new DaprStateDouble(app);
        app.MapGet("/v1.0/state/{store}/{key}", (string store, string key) => double_.Get(store, key));
        app.MapPost("/v1.0/state/{store}", (string store, JsonArray items) => double_.Save(store, items));
        app.MapPost("/v1.0/state/{store}/bulk", (string store, JsonObject request) => double_.Bulk(store, request));
        app.MapPost("/v1.0/state/{store}/transaction", (string store, JsonObject request) => double_.Transaction(store, request));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        double_.Port = address.Port;
        return double_;
    }

    private IResult Get(string store, string key)
    {
        if (store != StoreName)
        {
            return StoreNotFound(store);
        }
        lock (_gate)
        {
            if (!_items.TryGetValue(key, out var item))
            {
                return Results.NoContent();
            }
            return new JsonWithEtag(item.Json, item.Etag);
        }
    }

    private IResult Save(string store, JsonArray items)
    {
        if (store != StoreName)
        {
            return StoreNotFound(store);
        }
        lock (_gate)
        {
            var operations = items.Select(i => ("upsert", i!.AsObject())).ToList();
            return Apply(operations);
        }
    }

    private IResult Bulk(string store, JsonObject request)
    {
        if (store != StoreName)
        {
            return StoreNotFound(store);
        }
        var result = new JsonArray();
        lock (_gate)
        {
            foreach (var key in request["keys"]!.AsArray().Select(k => k!.GetValue<string>()))
            {
                var entry = new JsonObject { ["key"] = key };
                if (_items.TryGetValue(key, out var item))
                {
                    entry["data"] = JsonNode.Parse(item.Json);
                    entry["etag"] = item.Etag.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                result.Add(entry);
            }
        }
        return Results.Json(result);
    }

    private IResult Transaction(string store, JsonObject request)
    {
        if (store != StoreName)
        {
            return StoreNotFound(store);
        }
        lock (_gate)
        {
            var operations = request["operations"]!.AsArray()
                .Select(o => (o!["operation"]!.GetValue<string>(), o["request"]!.AsObject()))
                .ToList();
            return Apply(operations);
        }
    }

    /// <summary>Checks every operation's ETag first, then applies all or none.</summary>
    private IResult Apply(List<(string Operation, JsonObject Request)> operations)
    {
        foreach (var (_, request) in operations)
        {
            var key = request["key"]!.GetValue<string>();
            var etag = request["etag"]?.GetValue<string>();
            var firstWrite = request["options"]?["concurrency"]?.GetValue<string>() == "first-write";
            var exists = _items.TryGetValue(key, out var current);
            if (etag is not null && (!exists || current.Etag.ToString(System.Globalization.CultureInfo.InvariantCulture) != etag))
            {
                return Results.Json(new { errorCode = "ERR_STATE_SAVE", message = $"possible etag mismatch. error from state store: etag mismatch for key {key}" }, statusCode: 409);
            }
            if (etag is null && firstWrite && exists)
            {
                return Results.Json(new { errorCode = "ERR_STATE_SAVE", message = $"possible etag mismatch. error from state store: key {key} exists and no etag was given" }, statusCode: 409);
            }
        }
        foreach (var (operation, request) in operations)
        {
            var key = request["key"]!.GetValue<string>();
            if (operation == "delete")
            {
                _items.Remove(key);
            }
            else
            {
                _items[key] = (request["value"]!.ToJsonString(), _nextEtag++);
            }
            Writes++;
        }
        return Results.NoContent();
    }

    private static IResult StoreNotFound(string store) =>
        Results.Json(new { errorCode = "ERR_STATE_STORE_NOT_FOUND", message = $"state store {store} is not found" }, statusCode: 400);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class JsonWithEtag(string json, long etag) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = 200;
            httpContext.Response.ContentType = "application/json";
            httpContext.Response.Headers.ETag = etag.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return httpContext.Response.WriteAsync(json);
        }
    }
}
