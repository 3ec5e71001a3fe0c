using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Statistics.Tests.Support;
using Experiments.Testing;
using Experiments.Testing.Assignment;
using Experiments.Tests.Shared;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>
/// Scale-out (DESIGN §4): three statistics processes, each with its own SQLite file and two of six partitions, fed the
/// events of their partitions; a coordinator (StatisticsShards.GetMergedVerdict and WatchMergedVerdicts, fetching every
/// shard's exported aggregates over gRPC) gives the same verdict as one replica that saw every event.
/// </summary>
public sealed class ShardingTests(ShardingTests.Shards shards) : IClassFixture<ShardingTests.Shards>, IAsyncLifetime
{
    private const string Key = "dev-internal-key"; // the local-mode service key of appsettings.json: internal and read
    private const int Partitions = 6;
    private readonly TempDirectory _data = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Three_processes_on_disjoint_partitions_merge_to_the_verdict_of_one_process_on_all_events()
    {
        var traffic = new Traffic(51, "exp-6") { TreatmentLatencyFactor = 0.93 };
        var byPartition = ByPartition(Forwarding.Log(traffic.Users(4000)));
        bool Complete(Verdict v) => IsComplete(v, traffic);

        var expected = await SingleProcessVerdictAsync("exp-6", byPartition, Complete);
        await SendToShardsAsync("log-6", byPartition);

        await using var coordinator = new StatisticsHost(Path.Combine(_data.Path, "coordinator"), Coordinates(shards.Addresses));
        var merged = await ShardsOf(coordinator).GetMergedVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-6" }, ReadOptions());

        Assert.Equal(traffic.Exposed, merged.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.True(Complete(merged));
        VerdictAssert.Same(expected, merged, 1e-9);
        // Every shard saw a third or so of the units, not all of them.
        foreach (var address in shards.Addresses)
        {
            using var channel = GrpcChannel.ForAddress(address);
            var own = await new StatisticsClient(channel.WithApiKey(Key)).WaitForVerdictAsync("exp-6", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) > 0);
            Assert.InRange(own.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits), 1, traffic.Exposed.Sum() * 2 / 3);
        }

        // Two shards out of three do not make a verdict.
        await using var partial = new StatisticsHost(Path.Combine(_data.Path, "partial"), Coordinates(shards.Addresses.Take(2)));
        var error = await Assert.ThrowsAsync<RpcException>(() => ShardsOf(partial).GetMergedVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-6" }, ReadOptions()).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("no shard owns partition(s) 4, 5", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchMergedVerdicts_follows_the_shards_to_the_verdict_of_one_process_on_all_events()
    {
        var traffic = new Traffic(52, "exp-7") { TreatmentLatencyFactor = 1.08 };
        var events = Forwarding.Log(traffic.Users(3000));
        var byPartition = ByPartition(events);
        var expected = await SingleProcessVerdictAsync("exp-7", byPartition, v => IsComplete(v, traffic));
        await using var coordinator = new StatisticsHost(Path.Combine(_data.Path, "coordinator"), Coordinates(shards.Addresses));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var call = ShardsOf(coordinator).WatchMergedVerdicts(new WatchVerdictsRequest
        {
            ExperimentIds = { "exp-7" }, MinInterval = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(500)),
        }, ReadOptions(timeout.Token));

        // In two rounds, so that the shards' verdicts move while the watch lasts.
        var half = events.Count / 2;
        await SendToShardsAsync("log-7", ByPartition(events.Take(half)));
        await SendToShardsAsync("log-7", ByPartition(events.Skip(half)));
        var received = new List<Verdict>();
        while (received.Count == 0 || !IsComplete(received[^1], traffic))
        {
            Assert.True(await call.ResponseStream.MoveNext(timeout.Token));
            received.Add(call.ResponseStream.Current);
        }

        Assert.All(received, v => Assert.Equal("exp-7", v.ExperimentId));
        var units = received.Select(v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits)).ToList();
        Assert.Equal(units.Order(), units);
        VerdictAssert.Same(expected, received[^1], 1e-9);
        Assert.Empty(received[^1].LatencyHistograms); // BASIC view
    }

    [Fact]
    public async Task WatchMergedVerdicts_fails_when_the_shards_miss_partitions_or_one_cannot_be_reached()
    {
        await using var partial = new StatisticsHost(Path.Combine(_data.Path, "partial"), Coordinates(shards.Addresses.Take(2)));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var missing = ShardsOf(partial).WatchMergedVerdicts(new WatchVerdictsRequest { ExperimentIds = { "exp-6" } }, ReadOptions(timeout.Token));
        var uncovered = await Assert.ThrowsAsync<RpcException>(() => missing.ResponseStream.MoveNext(timeout.Token));

        var gone = "http://127.0.0.1:" + GrpcTestServer.FreeLoopbackPort();
        await using var unreachable = new StatisticsHost(Path.Combine(_data.Path, "unreachable"), Coordinates([.. shards.Addresses, gone]));
        using var down = ShardsOf(unreachable).WatchMergedVerdicts(new WatchVerdictsRequest { ExperimentIds = { "exp-6" } }, ReadOptions(timeout.Token));
        var unavailable = await Assert.ThrowsAsync<RpcException>(() => down.ResponseStream.MoveNext(timeout.Token));

        await using var alone = new StatisticsHost(Path.Combine(_data.Path, "alone"));
        using var unconfigured = ShardsOf(alone).WatchMergedVerdicts(new WatchVerdictsRequest(), ReadOptions(timeout.Token));
        var none = await Assert.ThrowsAsync<RpcException>(() => unconfigured.ResponseStream.MoveNext(timeout.Token));

        Assert.Equal(StatusCode.FailedPrecondition, uncovered.StatusCode);
        Assert.Contains("no shard owns partition(s) 4, 5", uncovered.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unavailable, unavailable.StatusCode);
        Assert.Contains(gone, unavailable.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, none.StatusCode);
        Assert.Contains("ShardAddresses", none.Status.Detail, StringComparison.Ordinal);
    }

    private static Dictionary<int, List<LoggedEvent>> ByPartition(IEnumerable<LoggedEvent> events) =>
        events.GroupBy(e => Forwarding.PartitionOf(e.Event, Partitions)).ToDictionary(g => g.Key, g => g.ToList());

    private static bool IsComplete(Verdict v, Traffic traffic) =>
        v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum() && v.KpiResults[0].Arms.Sum(a => a.Observations) == traffic.Requests.Sum();

    /// <summary>The reference: one in-memory replica owning every partition, fed every event.</summary>
    private async Task<Verdict> SingleProcessVerdictAsync(string experimentId, Dictionary<int, List<LoggedEvent>> byPartition, Func<Verdict, bool> complete)
    {
        await using var single = new StatisticsHost(Path.Combine(_data.Path, "single-" + experimentId), new Dictionary<string, string>
        {
            ["Statistics:AssignmentAddress"] = shards.AssignmentAddress, ["Statistics:PartitionCount"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await Forwarding.SendAllAsync(single.Intake(), byPartition.SelectMany(p => Forwarding.Batches("log-a", p.Key, Partitions, p.Value)));
        return await single.Client().WaitForVerdictAsync(experimentId, complete);
    }

    /// <summary>Each shard process gets the events of the partitions it owns (2s and 2s + 1); a log per test, as positions start at 1 in each.</summary>
    private async Task SendToShardsAsync(string logId, Dictionary<int, List<LoggedEvent>> byPartition) =>
        await Task.WhenAll(shards.Addresses.Select(async (address, s) =>
        {
            using var channel = GrpcChannel.ForAddress(address);
            var mine = byPartition.Where(p => p.Key / 2 == s);
            await Forwarding.SendAllAsync(new StatisticsIntake.StatisticsIntakeClient(channel.WithApiKey(Key)), mine.SelectMany(p => Forwarding.Batches(logId, p.Key, Partitions, p.Value)));
        }));

    private Dictionary<string, string> Coordinates(IEnumerable<string> addresses)
    {
        var settings = new Dictionary<string, string>
        {
            ["Statistics:AssignmentAddress"] = shards.AssignmentAddress, ["Statistics:ShardApiKey"] = Key,
            ["Statistics:PartitionCount"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (address, i) in addresses.Select((a, i) => (a, i)))
        {
            settings["Statistics:ShardAddresses:" + i] = address;
        }
        return settings;
    }

    private static StatisticsShards.StatisticsShardsClient ShardsOf(StatisticsHost host) => new(host.Channel);

    private static CallOptions ReadOptions(CancellationToken cancellationToken = default) =>
        new(new Metadata { { "authorization", "Bearer " + StatisticsHost.ReadKey } }, cancellationToken: cancellationToken);

    /// <summary>
    /// The assignment double (experiments exp-6 and exp-7, six KPIs each) and three statistics processes owning
    /// partitions {0, 1}, {2, 3} and {4, 5} of six; shared by the tests of the class, each on its own experiment.
    /// </summary>
    public sealed class Shards : IAsyncLifetime
    {
        private readonly TempDirectory _data = new();
        private AssignmentDouble _assignment = null!;
        private ServiceProcess[] _processes = [];

        public string AssignmentAddress => _assignment.Address;

        public IReadOnlyList<string> Addresses => [.. _processes.Select(p => p.Address)];

        public async Task InitializeAsync()
        {
            _assignment = await AssignmentDouble.StartAsync(0, TestExperiments.SixKpis("exp-6"), TestExperiments.SixKpis("exp-7"));
            _processes = await Task.WhenAll(Enumerable.Range(0, 3).Select(s => ServiceProcess.StartAsync("Experiments.Statistics",
                "--Data:Folder=" + Path.Combine(_data.Path, "shard-" + s), "--Statistics:AssignmentAddress=" + _assignment.Address,
                "--Statistics:PartitionCount=" + Partitions, "--Statistics:OwnedPartitions:0=" + (2 * s), "--Statistics:OwnedPartitions:1=" + (2 * s + 1),
                "--Statistics:VerdictInterval=00:00:00.050", "--Logging:LogLevel:Default=Warning")));
        }

        public async Task DisposeAsync()
        {
            foreach (var process in _processes)
            {
                await process.DisposeAsync();
            }
            await _assignment.DisposeAsync();
            _data.Dispose();
        }
    }
}
