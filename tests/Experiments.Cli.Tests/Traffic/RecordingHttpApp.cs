using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Experiments.Cli.Tests.Traffic;

/// <summary>A request as a real Kestrel app received it.</summary>
public sealed record ReceivedRequest(string Method, string PathAndQuery, string Protocol, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>
/// A real Kestrel app on 127.0.0.1 that records every request and answers 200: one HTTP/1.1 listener and one
/// HTTP/2-only listener (h2c needs prior knowledge on a listener of its own).
/// </summary>
public sealed class RecordingHttpApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RecordingHttpApp(WebApplication app, string http1Url, string http2Url)
    {
        _app = app;
        Http1Url = http1Url;
        Http2Url = http2Url;
    }

    public string Http1Url { get; }

    public string Http2Url { get; }

    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public static async Task<RecordingHttpApp> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        RecordingHttpApp? self = null;
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            self!.Received.Enqueue(new ReceivedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Protocol,
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal),
                body.ToArray()));
            context.Response.StatusCode = StatusCodes.Status200OK;
            await context.Response.WriteAsync("ok");
        });
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.ToList();
        self = new RecordingHttpApp(app, addresses[0], addresses[1]);
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
