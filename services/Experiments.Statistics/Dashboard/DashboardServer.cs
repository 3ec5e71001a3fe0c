using System.Net;
using Experiments.ServiceDefaults.Auth;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Verdicts;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// Runs the dashboard as a second, minimal web application inside the statistics process, on its own Kestrel
/// listener with HTTP/1.1 (browsers) — the service's own endpoints are HTTP/2-only for h2c gRPC, and adding a
/// listener to them would make Kestrel ignore <c>--urls</c>. It shares the verdict cache and definitions with
/// the gRPC service, so both show the same numbers. A dashboard that cannot bind is logged, not fatal: several
/// statistics replicas on one machine must not fail over the default port. It answers only its own Host names, and asks
/// for a sign-in (<see cref="DashboardSignIn"/>) whenever it listens beyond loopback.
/// </summary>
internal sealed partial class DashboardServer(
    IServer server, VerdictBook verdicts, StatisticsShard shard, AuditTrail audit, TrafficReports traffic, IOptions<DashboardOptions> options, IHostEnvironment environment,
    ApiKeyRing keys, IOptionsMonitor<AuthOptions> auth, ILogger<DashboardServer> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // In-memory hosts (TestServer) open no sockets; the dashboard would be their only real listener.
        if (!settings.Enabled || string.IsNullOrWhiteSpace(settings.Urls) || server.GetType().Assembly != typeof(KestrelServerOptions).Assembly)
        {
            return;
        }
        var listeners = settings.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Endpoint).ToList();
        var access = DashboardAccess.Decide(settings, [.. listeners.Select(l => l.Address)], auth.CurrentValue.Enabled);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { EnvironmentName = environment.EnvironmentName });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var (address, port) in listeners)
            {
                kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddHostFiltering(filtering =>
        {
            filtering.AllowedHosts = [.. access.AllowedHosts];
            filtering.AllowEmptyHosts = false;
        });
        if (access.RequireSignIn)
        {
            builder.Services.AddDashboardSignIn(settings, keys, auth);
        }
        var app = builder.Build();
        new DashboardEndpoints(verdicts, shard, audit, traffic, settings, logger).Map(app, access);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            LogCannotListen(logger, settings.Urls, e.Message);
            await app.DisposeAsync();
            return;
        }
        _app = app;
        Addresses = [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
        foreach (var address in Addresses)
        {
            LogListening(logger, address);
        }
        LogAccess(logger, access.RequireSignIn ? "asks for an API key with the read scope (the traffic page: capture)" : "is open without sign-in", string.Join(", ", access.AllowedHosts));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private static (IPAddress Address, int Port) Endpoint(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal),
                UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new InvalidOperationException($"Dashboard:Urls: '{url}' is not an http:// address (e.g. http://127.0.0.1:5180)");
        }
        var address = uri.IsLoopback && !IPAddress.TryParse(uri.Host, out _) ? IPAddress.Loopback
            : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip
            : throw new InvalidOperationException($"Dashboard:Urls: '{url}' must name an IP address or localhost");
        return (address, uri.Port);
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Dashboard listening on: {Address}")]
    private static partial void LogListening(ILogger logger, string address);

    [LoggerMessage(EventId = 5205, Level = LogLevel.Information, Message = "Dashboard {SignIn} and answers Host names {Hosts} (Dashboard:RequireSignIn, Dashboard:AllowedHosts)")]
    private static partial void LogAccess(ILogger logger, string signIn, string hosts);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Dashboard cannot listen on {Urls} ({Error}); the statistics service runs without it")]
    private static partial void LogCannotListen(ILogger logger, string urls, string error);
}
