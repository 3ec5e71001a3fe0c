using Experiments.Contracts.V1;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Tests.Support;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>
/// The definitions watch and automatic rollback against a test double of the assignment service on a real
/// loopback socket (Assignment.WatchDefinitions, ExperimentAdmin.GetExperiment/StopExperiment).
/// </summary>
public sealed class DefinitionsAndRollbackTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AssignmentDouble _assignment = null!;

    public async Task InitializeAsync() => _assignment = await AssignmentDouble.StartAsync();

    public async Task DisposeAsync()
    {
        await _assignment.DisposeAsync();
        _data.Dispose();
    }

    private StatisticsHost Host() => new(_data.Path, new Dictionary<string, string>
    {
        ["Statistics:AssignmentAddress"] = _assignment.Address,
        ["Statistics:AssignmentApiKey"] = "statistics-to-assignment",
        ["Statistics:PartitionCount"] = "1",
    });

    [Fact]
    public async Task Definitions_follow_the_watch_stream_upserts_and_removals()
    {
        await using var host = Host();
        var shard = host.Get<StatisticsShard>();

        _assignment.Store.Upsert(TestExperiments.Latency("exp-a"));
        await IntakeTests.WaitUntilAsync(() => shard.Experiments().Any(e => e.Id == "exp-a"));
        var draft = TestExperiments.Latency("exp-draft");
        draft.Status = ExperimentStatus.Draft;
        _assignment.Store.Upsert(draft);
        var revised = TestExperiments.Latency("exp-a", revision: 2);
        revised.Variants[1].Weight = 60; // same arms and KPIs: state is kept
        _assignment.Store.Upsert(revised);
        await IntakeTests.WaitUntilAsync(() => shard.Experiments().Any(e => e.Id == "exp-a" && e.Revision == 2));

        Assert.DoesNotContain(shard.Experiments(), e => e.Id == "exp-draft"); // drafts collect nothing
        var traffic = new Traffic(21, "exp-a");
        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 1, Forwarding.Log(traffic.Users(100))));
        var verdict = await host.Client().WaitForVerdictAsync("exp-a", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum());
        Assert.Equal(2, verdict.ExperimentRevision);
        Assert.Equal(60.0 / 110, verdict.SampleRatioCheck.Arms[1].ExpectedShare, 12);

        _assignment.Store.Remove("exp-a");
        await IntakeTests.WaitUntilAsync(() => shard.Experiments().All(e => e.Id != "exp-a"));
        // Its last verdict stays readable.
        var last = await host.Client().GetVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-a" });
        Assert.Equal(traffic.Exposed, last.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.All(_assignment.Store.Authorizations, a => Assert.Equal("Bearer statistics-to-assignment", a));
    }

    [Fact]
    public async Task Events_forwarded_before_the_first_definitions_snapshot_wait_for_it_instead_of_being_dropped()
    {
        var port = AssignmentDouble.FreePort();
        await using var host = new StatisticsHost(_data.Path, new Dictionary<string, string>
        {
            ["Statistics:AssignmentAddress"] = "http://127.0.0.1:" + port, ["Statistics:PartitionCount"] = "1",
        });
        var traffic = new Traffic(23, "exp-late");
        var sending = Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 1, Forwarding.Log(traffic.Users(100))));
        await Task.Delay(300);
        Assert.False(sending.IsCompleted, "events were confirmed before any definition was known");

        await using var late = await AssignmentDouble.StartAsync(port, TestExperiments.Latency("exp-late"));
        await sending.WaitAsync(TimeSpan.FromSeconds(30));

        var verdict = await host.Client().WaitForVerdictAsync("exp-late", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum());
        Assert.Equal(traffic.Exposed, verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
    }

    [Fact]
    public async Task A_guardrail_breach_stops_an_auto_rollback_experiment_on_the_control_and_leaves_others_running()
    {
        _assignment.Store.Upsert(TestExperiments.Latency("exp-auto", autoRollback: true));
        _assignment.Store.Upsert(TestExperiments.Latency("exp-manual", autoRollback: false));
        await using var host = Host();
        // Treatment 60% slower with ten times the errors: both guardrails far beyond their tolerances.
        var auto = new Traffic(22, "exp-auto") { TreatmentLatencyFactor = 1.6, TreatmentErrorRate = 0.2 };
        var manual = new Traffic(22, "exp-manual") { TreatmentLatencyFactor = 1.6, TreatmentErrorRate = 0.2 };
        var events = auto.Users(1500, "a-").Concat(manual.Users(1500, "m-"));
        await IntakeTests.WaitUntilAsync(() => host.Get<StatisticsShard>().Experiments().Count == 2);

        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 1, Forwarding.Log(events)));

        var stop = await _assignment.Store.FirstStop.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("exp-auto", stop.Id);
        Assert.Equal("control", stop.FinalVariantKey);
        Assert.Equal(1, stop.ExpectedRevision);
        Assert.StartsWith("automatic rollback by statistics: ", stop.Reason, StringComparison.Ordinal);
        var verdict = await host.Client().WaitForVerdictAsync("exp-auto", v => v.ExperimentStatus == ExperimentStatus.Stopped);
        Assert.Equal(VerdictDecision.RollBack, verdict.Decision);
        Assert.Equal(ExperimentStatus.Stopped, _assignment.Store.Find("exp-auto")!.Status);
        var other = await host.Client().WaitForVerdictAsync("exp-manual", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == manual.Exposed.Sum());
        Assert.Equal(VerdictDecision.RollBack, other.Decision);
        Assert.False(other.AutoRollbackTriggered);
        Assert.Equal(ExperimentStatus.Running, _assignment.Store.Find("exp-manual")!.Status);
        Assert.Single(_assignment.Store.Stops); // once, although verdicts keep being recomputed
    }
}
