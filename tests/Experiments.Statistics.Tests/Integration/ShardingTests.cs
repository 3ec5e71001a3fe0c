using Experiments.Contracts.V1;
using Experiments.Grpc;
using Experiments.Statistics.Sharding;
using Experiments.Statistics.Tests.Support;
using Experiments.Tests.Shared;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>
/// Scale-out (DESIGN §4): three statistics processes, each with its own SQLite file and two of six partitions, fed the
/// events of their partitions; a coordinator (StatisticsShards.GetMergedVerdict, fetching every shard's exported
/// aggregates over gRPC) gives the same verdict as one replica that saw every event.
/// </summary>
public sealed class ShardingTests : IAsyncLifetime
{
    private const string Key = "dev-local-key";
    private const int Partitions = 6;
    private readonly TempDirectory _data = new();
    private AssignmentDouble _assignment = null!;

    public async Task InitializeAsync() => _assignment = await AssignmentDouble.StartAsync(0, TestExperiments.SixKpis("exp-6"));

    public async Task DisposeAsync()
    {
        await _assignment.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Three_processes_on_disjoint_partitions_merge_to_the_verdict_of_one_process_on_all_events()
    {
        var traffic = new Traffic(51, "exp-6") { TreatmentLatencyFactor = 0.93 };
        var events = Forwarding.Log(traffic.Users(4000));
        var byPartition = events.GroupBy(e => Forwarding.PartitionOf(e.Event, Partitions)).ToDictionary(g => g.Key, g => g.ToList());
        bool Complete(Verdict v) => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum()
            && v.KpiResults[0].Arms.Sum(a => a.Observations) == traffic.Requests.Sum();

        var shards = await Task.WhenAll(Enumerable.Range(0, 3).Select(s => ServiceProcess.StartAsync("Experiments.Statistics",
            "--Data:Folder=" + Path.Combine(_data.Path, "shard-" + s), "--Statistics:AssignmentAddress=" + _assignment.Address,
            "--Statistics:PartitionCount=" + Partitions, "--Statistics:OwnedPartitions:0=" + (2 * s), "--Statistics:OwnedPartitions:1=" + (2 * s + 1),
            "--Statistics:VerdictInterval=00:00:00.050", "--Logging:LogLevel:Default=Warning")));
        try
        {
            await using var single = new StatisticsHost(Path.Combine(_data.Path, "single"), new Dictionary<string, string>
            {
                ["Statistics:AssignmentAddress"] = _assignment.Address, ["Statistics:PartitionCount"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            await Forwarding.SendAllAsync(single.Intake(), byPartition.SelectMany(p => Forwarding.Batches("log-a", p.Key, Partitions, p.Value)));
            var expected = await single.Client().WaitForVerdictAsync("exp-6", Complete);

            await Task.WhenAll(shards.Select(async (process, s) =>
            {
                using var channel = GrpcChannel.ForAddress(process.Address);
                var mine = byPartition.Where(p => p.Key / 2 == s);
                await Forwarding.SendAllAsync(new StatisticsClient(channel, Key), mine.SelectMany(p => Forwarding.Batches("log-a", p.Key, Partitions, p.Value)));
            }));

            await using var coordinator = new StatisticsHost(Path.Combine(_data.Path, "coordinator"), Coordinates(shards.Select(p => p.Address)));
            var merged = await ShardsOf(coordinator).GetMergedVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-6" }, ReadOptions());

            Assert.Equal(traffic.Exposed, merged.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
            Assert.True(Complete(merged));
            VerdictAssert.Same(expected, merged, 1e-9);
            // Every shard saw a third or so of the units, not all of them.
            foreach (var process in shards)
            {
                using var channel = GrpcChannel.ForAddress(process.Address);
                var own = await new StatisticsClient(channel, Key).WaitForVerdictAsync("exp-6", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) > 0);
                Assert.InRange(own.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits), 1, traffic.Exposed.Sum() * 2 / 3);
            }

            // Two shards out of three do not make a verdict.
            await using var partial = new StatisticsHost(Path.Combine(_data.Path, "partial"), Coordinates(shards.Take(2).Select(p => p.Address)));
            var error = await Assert.ThrowsAsync<RpcException>(() => ShardsOf(partial).GetMergedVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-6" }, ReadOptions()).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
            Assert.Contains("no shard owns partition(s) 4, 5", error.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var process in shards)
            {
                await process.DisposeAsync();
            }
        }
    }

    private Dictionary<string, string> Coordinates(IEnumerable<string> addresses)
    {
        var settings = new Dictionary<string, string>
        {
            ["Statistics:AssignmentAddress"] = _assignment.Address, ["Statistics:ShardApiKey"] = Key,
            ["Statistics:PartitionCount"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (address, i) in addresses.Select((a, i) => (a, i)))
        {
            settings["Statistics:ShardAddresses:" + i] = address;
        }
        return settings;
    }

    private static ShardsClient ShardsOf(StatisticsHost host) => new(host.Channel.CreateCallInvoker());

    private static CallOptions ReadOptions() => new(new Metadata { { "authorization", "Bearer " + StatisticsHost.ReadKey } });
}
