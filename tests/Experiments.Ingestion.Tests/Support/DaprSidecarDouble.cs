using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Experiments.Ingestion.Tests.Support;

/// <summary>
/// A test double of daprd's HTTP API on loopback: <c>POST /v1.0-alpha1/publish/bulk/{pubsub}/{topic}</c>,
/// answering 204, or 500 with <c>failedEntries</c> for the entries <see cref="FailNext"/> picks, as the
/// Dapr API reference describes. Records every request and the entries it took.
/// </summary>
internal sealed class DaprSidecarDouble : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<(string PubSub, string Topic, string? Token, string ContentType, JsonElement[] Entries)> _requests = [];
    private readonly List<JsonElement> _published = [];
    private WebApplication? _app;

    public string Address { get; private set; } = "";

    /// <summary>Which entry ids of the next request fail (with a 500); null once used.</summary>
    public Func<IReadOnlyList<string>, IReadOnlyList<string>>? FailNext { get; set; }

    public IReadOnlyList<(string PubSub, string Topic, string? Token, string ContentType, JsonElement[] Entries)> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Entries the double took (answered as delivered).</summary>
    public IReadOnlyList<JsonElement> Published
    {
        get
        {
            lock (_lock)
            {
                return [.. _published];
            }
        }
    }

    public static async Task<DaprSidecarDouble> StartAsync()
    {
        var sidecar = new DaprSidecarDouble();
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/v1.0-alpha1/publish/bulk/{pubsub}/{topic}", sidecar.PublishAsync);
        await app.StartAsync();
        sidecar.Address = app.Urls.First();
        sidecar._app = app;
        return sidecar;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task PublishAsync(HttpContext http, string pubsub, string topic)
    {
        using var document = await JsonDocument.ParseAsync(http.Request.Body);
        var entries = document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
        var ids = entries.Select(e => e.GetProperty("entryId").GetString()!).ToList();
        IReadOnlyList<string> failed = [];
        lock (_lock)
        {
            _requests.Add((pubsub, topic, http.Request.Headers["dapr-api-token"].FirstOrDefault(), http.Request.ContentType ?? "", entries));
            if (FailNext is { } pick)
            {
                failed = pick(ids);
                FailNext = null;
            }
            _published.AddRange(entries.Where(e => !failed.Contains(e.GetProperty("entryId").GetString()!)));
        }
        if (failed.Count == 0)
        {
            http.Response.StatusCode = (int)HttpStatusCode.NoContent;
            return;
        }
        http.Response.StatusCode = (int)HttpStatusCode.InternalServerError;
        await http.Response.WriteAsJsonAsync(new
        {
            failedEntries = failed.Select(id => new { entryId = id, error = "broker unavailable" }),
            errorCode = "ERR_PUBSUB_PUBLISH_MESSAGE",
        });
    }
}
