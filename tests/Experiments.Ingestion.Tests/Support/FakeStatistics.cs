using System.Net;
using Experiments.Contracts.V1;
using Experiments.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Experiments.Ingestion.Tests.Support;

/// <summary>
/// A test-only StatisticsIntake server: applies forwarded events idempotently by (log, partition, position)
/// into a <see cref="StatisticsLedger"/> that outlives the server, and confirms each request at once. It can
/// be stopped and started again on the same port, like a statistics service that goes down and comes back.
/// </summary>
internal sealed class FakeStatistics : IAsyncDisposable
{
    private WebApplication? _app;

    private FakeStatistics(StatisticsLedger ledger) => Ledger = ledger;

    public StatisticsLedger Ledger { get; }

    public int Port { get; private set; }

    public string Address => $"http://127.0.0.1:{Port}";

    public static async Task<FakeStatistics> StartAsync()
    {
        var statistics = new FakeStatistics(new StatisticsLedger());
        await statistics.RunAsync(0);
        return statistics;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        // The port was just released; another process could take it in between, which would fail the test loudly.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await RunAsync(Port);
                return;
            }
            catch (IOException) when (attempt < 20)
            {
                await Task.Delay(100);
            }
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpcServer();
        // Going down means going down: open forward streams are cut rather than waited for.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        builder.Services.AddSingleton(Ledger);
        builder.Services.AddSingleton<FakeStatisticsIntakeService>();
        var app = builder.Build();
        app.MapGrpcService<FakeStatisticsIntakeService>(StatisticsIntakeReflection.Descriptor.Services[0]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
        _app = app;
    }
}

/// <summary>The statistics side's StatisticsIntake.Forward, over a shared ledger.</summary>
internal sealed class FakeStatisticsIntakeService(StatisticsLedger ledger)
{
    public async Task Forward(IAsyncStreamReader<ForwardRequest> requestStream, IServerStreamWriter<ForwardResponse> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = requestStream.Current;
            var confirmed = ledger.Apply(request);
            await responseStream.WriteAsync(new ForwardResponse { LogId = request.LogId, Partition = request.Partition, ConfirmedPosition = confirmed });
        }
    }
}

/// <summary>What the fake statistics service has durably applied.</summary>
internal sealed class StatisticsLedger
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Log, int Partition), long> _confirmed = [];
    private readonly Dictionary<(string Log, long Position), Event> _applied = [];
    private readonly List<string> _conflicts = [];

    /// <summary>Events resent at or below the confirmed position (ignored, as the contract says).</summary>
    public int Redelivered { get; private set; }

    public long Apply(ForwardRequest request)
    {
        lock (_lock)
        {
            var key = (request.LogId, request.Partition);
            var confirmed = _confirmed.GetValueOrDefault(key);
            foreach (var logged in request.Events)
            {
                if (logged.Position <= confirmed)
                {
                    Redelivered++;
                    continue;
                }
                if (_applied.TryGetValue((request.LogId, logged.Position), out var earlier) && earlier.EventId != logged.Event.EventId)
                {
                    _conflicts.Add($"position {logged.Position} carried {earlier.EventId} and then {logged.Event.EventId}");
                }
                _applied[(request.LogId, logged.Position)] = logged.Event;
                confirmed = logged.Position;
            }
            _confirmed[key] = confirmed;
            return confirmed;
        }
    }

    /// <summary>Positions that were seen carrying two different events (a log that rewrote history).</summary>
    public IReadOnlyList<string> Conflicts
    {
        get
        {
            lock (_lock)
            {
                return [.. _conflicts];
            }
        }
    }

    public int AppliedCount
    {
        get
        {
            lock (_lock)
            {
                return _applied.Count;
            }
        }
    }

    /// <summary>How many applied positions carry each event id (1 for every event delivered exactly once).</summary>
    public Dictionary<string, int> DeliveriesById()
    {
        lock (_lock)
        {
            return _applied.Values.GroupBy(e => e.EventId).ToDictionary(g => g.Key, g => g.Count());
        }
    }

    public List<Event> AppliedEvents()
    {
        lock (_lock)
        {
            return [.. _applied.OrderBy(p => p.Key.Position).Select(p => p.Value)];
        }
    }

    /// <summary>Waits (polling) until <paramref name="condition"/> holds; false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitUntilAsync(Func<StatisticsLedger, bool> condition, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!condition(this))
        {
            try
            {
                await Task.Delay(50, cts.Token);
            }
            catch (OperationCanceledException)
            {
                return condition(this);
            }
        }
        return true;
    }
}
