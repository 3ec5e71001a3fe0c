using Experiments.Contracts.V1;
using Experiments.Statistics.Checkpoints;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Tests.Support;
using Experiments.Testing.Assignment;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>StatisticsIntake.Forward as protos/experiments/v1/statistics_intake.proto describes it, in memory.</summary>
public sealed class IntakeTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AssignmentDouble _assignment = null!;

    public async Task InitializeAsync() => _assignment = await AssignmentDouble.StartAsync();

    public async Task DisposeAsync()
    {
        await _assignment.DisposeAsync();
        _data.Dispose();
    }

    private StatisticsHost Host(Dictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string> { ["Statistics:AssignmentAddress"] = _assignment.Address, ["Statistics:PartitionCount"] = "4" };
        foreach (var (k, v) in settings ?? [])
        {
            all[k] = v;
        }
        return new StatisticsHost(_data.Path, all);
    }

    [Fact]
    public async Task A_probe_is_answered_at_once_with_the_confirmed_position()
    {
        await using var host = Host();
        using var call = host.Intake().Forward();

        await call.RequestStream.WriteAsync(Forwarding.Probe("log-a", 2, 4));

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(("log-a", 2, 0L), (call.ResponseStream.Current.LogId, call.ResponseStream.Current.Partition, call.ResponseStream.Current.ConfirmedPosition));

        // After a confirmed batch, a new session's probe says where to resume.
        var events = Forwarding.Log(new Traffic(1, "exp-1").Users(20));
        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 2, 4, events, 7));
        using var second = host.Intake().Forward();
        await second.RequestStream.WriteAsync(Forwarding.Probe("log-a", 2, 4));
        Assert.True(await second.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(events[^1].Position, second.ResponseStream.Current.ConfirmedPosition);
    }

    [Fact]
    public async Task Exposures_that_outrun_their_experiments_definition_wait_for_it_and_count()
    {
        // The experiment starts (its first exposures are reported at once) before the definitions watch delivers it.
        await using var host = Host(new() { ["Statistics:DefinitionWait"] = "00:01:00" });
        await host.Get<StatisticsShard>().DefinitionsReady.WaitAsync(TimeSpan.FromSeconds(30));
        var traffic = new Traffic(3, "exp-late");
        var events = Forwarding.Log(traffic.Users(40));

        var sending = Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 4, events, 25));
        await Task.Delay(500);
        Assert.False(sending.IsCompleted, "the batches were confirmed before the experiment was defined");
        _assignment.Upsert(TestExperiments.Latency("exp-late"));
        await sending.WaitAsync(TimeSpan.FromSeconds(60));

        var verdict = await host.Client().WaitForVerdictAsync("exp-late", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum());
        Assert.Equal(traffic.Exposed, verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.Equal(traffic.Requests, verdict.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
    }

    [Fact]
    public async Task Exposures_of_an_experiment_never_defined_are_confirmed_once_the_wait_is_over()
    {
        await using var host = Host(new() { ["Statistics:DefinitionWait"] = "00:00:00.300" });
        var events = Forwarding.Log(new Traffic(4, "exp-nobody").Users(10));

        var confirmed = await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 4, events, 25)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(events[^1].Position, confirmed[0]);
    }

    [Fact]
    public async Task Positions_are_confirmed_only_after_the_checkpoint_holding_them_commits()
    {
        GatedCheckpointStore? gated = null;
        await using var host = Host();
        host.ConfigureTestServices(services => services.AddSingleton<ICheckpointStore>(_ =>
            gated = new GatedCheckpointStore(new SqliteCheckpointStore(Path.Combine(_data.Path, "statistics.db")))));
        var shard = host.Get<StatisticsShard>();
        var events = Forwarding.Log(new Traffic(2, "exp-1").Users(50));
        using var call = host.Intake().Forward();
        var responses = new List<ForwardResponse>();
        var firstResponse = call.ResponseStream.MoveNext(CancellationToken.None);

        foreach (var batch in Forwarding.Batches("log-a", 1, 4, events, 40))
        {
            await call.RequestStream.WriteAsync(batch);
        }
        await WaitUntilAsync(() => shard.Applied("log-a", 1) == events[^1].Position);
        await Task.Delay(300); // several checkpoint intervals: any acknowledgement would have been sent by now

        Assert.False(firstResponse.IsCompleted, "a position was confirmed before any checkpoint committed");
        Assert.Equal(0, gated!.Commits);

        gated.Open();
        while (await firstResponse)
        {
            responses.Add(call.ResponseStream.Current);
            if (call.ResponseStream.Current.ConfirmedPosition == events[^1].Position)
            {
                break;
            }
            firstResponse = call.ResponseStream.MoveNext(CancellationToken.None);
        }
        Assert.True(gated.Commits > 0);
        Assert.Equal(events[^1].Position, responses[^1].ConfirmedPosition);
        Assert.True(responses.Zip(responses.Skip(1)).All(p => p.First.ConfirmedPosition <= p.Second.ConfirmedPosition));

        // What was acknowledged is in the file: a fresh shard over it restores that position.
        var restored = new StatisticsShard(host.Get<IOptions<StatisticsOptions>>(), new SqliteCheckpointStore(Path.Combine(_data.Path, "statistics.db")));
        Assert.True(await restored.RestoreAsync(CancellationToken.None));
        Assert.True(restored.Confirmed("log-a", 1) >= responses[^1].ConfirmedPosition);
    }

    [Fact]
    public async Task A_partition_this_replica_does_not_own_is_refused_with_failed_precondition()
    {
        await using var host = Host(new() { ["Statistics:OwnedPartitions:0"] = "0", ["Statistics:OwnedPartitions:1"] = "1" });

        var error = await Assert.ThrowsAsync<RpcException>(() => Forwarding.SendAllAsync(host.Intake(), [Forwarding.Probe("log-a", 2, 4)]));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("partition 2", error.Status.Detail, StringComparison.Ordinal);
        // An owned one is fine.
        await Forwarding.SendAllAsync(host.Intake(), [Forwarding.Probe("log-a", 1, 4)]);
    }

    [Fact]
    public async Task A_different_partition_count_is_refused_with_failed_precondition()
    {
        await using var host = Host();

        var error = await Assert.ThrowsAsync<RpcException>(() => Forwarding.SendAllAsync(host.Intake(), [Forwarding.Probe("log-a", 0, 8)]));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("partition_count", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 0, "log_id")]
    [InlineData("log-a", 4, "partition")]
    [InlineData("log-a", -1, "partition")]
    public async Task Malformed_requests_are_refused_with_invalid_argument_naming_the_field(string logId, int partition, string field)
    {
        await using var host = Host();

        var error = await Assert.ThrowsAsync<RpcException>(() => Forwarding.SendAllAsync(host.Intake(), [Forwarding.Probe(logId, partition, 4)]));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Positions_out_of_order_are_refused_with_invalid_argument()
    {
        await using var host = Host();
        var events = Forwarding.Log(new Traffic(3, "exp-1").Users(3));
        var batch = new ForwardRequest { LogId = "log-a", Partition = 0, PartitionCount = 4 };
        batch.Events.Add(events[1]);
        batch.Events.Add(events[0]);

        var error = await Assert.ThrowsAsync<RpcException>(() => Forwarding.SendAllAsync(host.Intake(), [batch]));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("events", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, host.Get<StatisticsShard>().Applied("log-a", 0));
    }

    [Fact]
    public async Task Events_resent_at_or_below_the_applied_position_are_skipped_even_under_new_event_ids()
    {
        _assignment.Upsert(TestExperiments.Latency());
        await using var host = Host();
        var traffic = new Traffic(4, "exp-1");
        var events = Forwarding.Log(traffic.Users(400));
        var half = events.Count / 2;

        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 4, events.Take(half), 100));
        // A forwarder that lost its confirmations resends from the start. Same positions, but the event ids are new
        // (a re-encoded log), so only the positions can tell they were applied already.
        var resent = events.Select(e =>
        {
            var copy = e.Clone();
            copy.Event.EventId += "-resent";
            return copy;
        });
        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 4, resent, 100));

        var verdict = await host.Client().WaitForVerdictAsync("exp-1", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum());
        await Task.Delay(200); // a few recomputations later nothing more has been counted
        verdict = await host.Client().GetVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-1" });
        var mean = verdict.KpiResults.Single(k => k.KpiKey == "mean-latency");
        Assert.Equal(traffic.Exposed, verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.Equal(traffic.Requests, mean.Arms.Select(a => a.Observations));
    }

    [Fact]
    public async Task Duplicated_event_ids_across_logs_are_applied_once()
    {
        _assignment.Upsert(TestExperiments.Latency());
        await using var host = Host();
        var traffic = new Traffic(5, "exp-1");
        var events = Forwarding.Log(traffic.Users(200));

        // A reporter that retried against another ingestion replica: the same events in a second log.
        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 4, events, 100));
        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-b", 0, 4, events, 100));

        var verdict = await host.Client().WaitForVerdictAsync("exp-1", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum());
        var mean = verdict.KpiResults.Single(k => k.KpiKey == "mean-latency");
        Assert.Equal(traffic.Requests, mean.Arms.Select(a => a.Observations));
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(10, cts.Token);
        }
    }
}
