using System.Net;
using Experiments.Contracts.V1;
using Grpc.Core;
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
/// Like a statistics replica started with <c>Statistics:PartitionCount</c> and <c>Statistics:OwnedPartitions</c>,
/// it may own some partitions only and refuse the others (and a different partition count) with FAILED_PRECONDITION.
/// </summary>
internal sealed class FakeStatistics : IAsyncDisposable
{
    private readonly PartitionOwnership _ownership;
    private WebApplication? _app;

    private FakeStatistics(StatisticsLedger ledger, PartitionOwnership ownership)
    {
        Ledger = ledger;
        _ownership = ownership;
    }

    public StatisticsLedger Ledger { get; }

    /// <summary>The partitions this replica owns; empty when it takes every partition of any count.</summary>
    public IReadOnlyList<int> Owned => _ownership.Owned;

    public int Port { get; private set; }

    public string Address => $"http://127.0.0.1:{Port}";

    public static Task<FakeStatistics> StartAsync() => StartAsync(new PartitionOwnership(null, []));

    /// <summary>A replica of <paramref name="partitionCount"/> partitions that owns <paramref name="owned"/> only.</summary>
    public static Task<FakeStatistics> StartOwningAsync(int partitionCount, params int[] owned) =>
        StartAsync(new PartitionOwnership(partitionCount, owned));

    private static async Task<FakeStatistics> StartAsync(PartitionOwnership ownership)
    {
        var statistics = new FakeStatistics(new StatisticsLedger(), ownership);
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
        builder.Services.AddGrpc();
        // Going down means going down: open forward streams are cut rather than waited for.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        builder.Services.AddSingleton(Ledger);
        builder.Services.AddSingleton(_ownership);
        var app = builder.Build();
        app.MapGrpcService<FakeStatisticsIntakeService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
        _app = app;
    }
}

/// <summary>Which partitions a fake replica takes: all of any count when <paramref name="PartitionCount"/> is null.</summary>
internal sealed record PartitionOwnership(int? PartitionCount, IReadOnlyList<int> Owned)
{
    /// <summary>Why the replica refuses the request (as statistics does), or null when it takes it.</summary>
    public string? Refusal(ForwardRequest request) =>
        PartitionCount is not { } count ? null
        : request.PartitionCount != count ? $"partition_count {request.PartitionCount} does not match this replica's {count}"
        : !Owned.Contains(request.Partition) ? $"this replica does not own partition {request.Partition}"
        : null;
}

/// <summary>The statistics side's StatisticsIntake.Forward, over a shared ledger.</summary>
internal sealed class FakeStatisticsIntakeService(StatisticsLedger ledger, PartitionOwnership ownership) : StatisticsIntake.StatisticsIntakeBase
{
    public override async Task Forward(IAsyncStreamReader<ForwardRequest> requestStream, IServerStreamWriter<ForwardResponse> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = requestStream.Current;
            if (ownership.Refusal(request) is { } refusal)
            {
                ledger.Refuse(refusal);
                throw new RpcException(new Status(StatusCode.FailedPrecondition, refusal));
            }
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
    private readonly Dictionary<(string Log, long Position), int> _partitions = [];
    private readonly List<string> _conflicts = [];
    private readonly List<string> _refused = [];

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
                _partitions[(request.LogId, logged.Position)] = request.Partition;
                confirmed = logged.Position;
            }
            _confirmed[key] = confirmed;
            return confirmed;
        }
    }

    public void Refuse(string reason)
    {
        lock (_lock)
        {
            _refused.Add(reason);
        }
    }

    /// <summary>Why requests were refused (partitions this replica does not own).</summary>
    public IReadOnlyList<string> Refused
    {
        get
        {
            lock (_lock)
            {
                return [.. _refused];
            }
        }
    }

    /// <summary>Applied events with the partition of the request that carried them, by position.</summary>
    public List<(int Partition, Event Event)> AppliedWithPartition()
    {
        lock (_lock)
        {
            return [.. _applied.OrderBy(p => p.Key.Position).Select(p => (_partitions[p.Key], p.Value))];
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
