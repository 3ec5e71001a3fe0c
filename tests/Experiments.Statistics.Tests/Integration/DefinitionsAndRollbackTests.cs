using Experiments.Contracts.V1;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Tests.Support;
using Experiments.Testing;
using Experiments.Testing.Assignment;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>
/// The definitions watch and automatic rollback against a test double of the assignment service on a real
/// loopback socket (Assignment.WatchDefinitions, ExperimentAdmin.GetExperiment/RampExperiment).
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

        _assignment.Upsert(TestExperiments.Latency("exp-a"));
        await IntakeTests.WaitUntilAsync(() => shard.Experiments().Any(e => e.Id == "exp-a"));
        var draft = TestExperiments.Latency("exp-draft");
        draft.Status = ExperimentStatus.Draft;
        _assignment.Upsert(draft);
        var revised = TestExperiments.Latency("exp-a", revision: 2);
        revised.Variants[1].Weight = 60; // same arms and KPIs: state is kept
        _assignment.Upsert(revised);
        await IntakeTests.WaitUntilAsync(() => shard.Experiments().Any(e => e.Id == "exp-a" && e.Revision == 2));

        Assert.DoesNotContain(shard.Experiments(), e => e.Id == "exp-draft"); // drafts collect nothing
        var traffic = new Traffic(21, "exp-a");
        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 1, Forwarding.Log(traffic.Users(100))));
        var verdict = await host.Client().WaitForVerdictAsync("exp-a", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum());
        Assert.Equal(2, verdict.ExperimentRevision);
        Assert.Equal(60.0 / 110, verdict.SampleRatioCheck.Arms[1].ExpectedShare, 12);

        _assignment.Remove("exp-a");
        await IntakeTests.WaitUntilAsync(() => shard.Experiments().All(e => e.Id != "exp-a"));
        // Its last verdict stays readable.
        var last = await host.Client().GetVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-a" });
        Assert.Equal(traffic.Exposed, last.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.All(_assignment.Authorizations, a => Assert.Equal("Bearer statistics-to-assignment", a));
    }

    [Fact]
    public async Task Events_forwarded_before_the_first_definitions_snapshot_wait_for_it_instead_of_being_dropped()
    {
        var port = GrpcTestServer.FreeLoopbackPort();
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
    public async Task A_guardrail_breach_ramps_an_auto_rollback_experiment_to_zero_once_naming_the_guardrails_and_leaves_others_running()
    {
        _assignment.Upsert(TestExperiments.Latency("exp-auto", autoRollback: true));
        _assignment.Upsert(TestExperiments.Latency("exp-manual", autoRollback: false));
        await using var host = Host();
        using var watch = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var verdicts = host.Client().WatchVerdicts(new WatchVerdictsRequest
        {
            ExperimentIds = { "exp-auto" }, MinInterval = Duration.FromTimeSpan(TimeSpan.Zero),
        }, cancellationToken: watch.Token);
        // Treatment 60% slower with ten times the errors: both guardrails far beyond their tolerances.
        var auto = new Traffic(22, "exp-auto") { TreatmentLatencyFactor = 1.6, TreatmentErrorRate = 0.2 };
        var manual = new Traffic(22, "exp-manual") { TreatmentLatencyFactor = 1.6, TreatmentErrorRate = 0.2 };
        var events = auto.Users(1500, "a-").Concat(manual.Users(1500, "m-"));
        await IntakeTests.WaitUntilAsync(() => host.Get<StatisticsShard>().Experiments().Count == 2);

        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 1, Forwarding.Log(events)));

        var ramped = await _assignment.FirstRamp.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var ramp = Assert.Single(_assignment.Ramps);
        Assert.Equal("exp-auto", ramp.Id);
        Assert.Equal((double?)0, ramp.RolloutPercent);
        Assert.Equal(1, ramp.ExpectedRevision);
        Assert.Empty(ramp.Weights);
        Assert.StartsWith("automatic rollback by statistics: ramped to 0%, every unit now gets 'control', because ", ramp.Reason, StringComparison.Ordinal);
        Assert.Equal(ExperimentStatus.Running, ramped.Status);
        Assert.Equal(0, ramped.RolloutPercent);
        Assert.Empty(_assignment.Stops);

        // The verdict that triggered it says so, on the stream as well.
        Verdict triggering;
        do
        {
            Assert.True(await verdicts.ResponseStream.MoveNext(watch.Token));
            triggering = verdicts.ResponseStream.Current;
        }
        while (!triggering.AutoRollbackTriggered);
        Assert.Equal(VerdictDecision.RollBack, triggering.Decision);
        Assert.Equal(1, triggering.ExperimentRevision);
        // The reason names each guardrail that verdict found breached (a planted one), with the effect seen in the
        // treatment, and nothing else.
        var breached = triggering.KpiResults.Where(k => k.Role == KpiRole.Guardrail && k.Decision == KpiDecision.Worse).Select(k => k.KpiKey).ToList();
        Assert.NotEmpty(breached);
        Assert.Subset(new HashSet<string> { "p99-latency", "error-rate" }, breached.ToHashSet());
        Assert.All(breached, key => Assert.Contains($"[{key}]", ramp.Reason, StringComparison.Ordinal));
        Assert.DoesNotContain("[mean-latency]", ramp.Reason, StringComparison.Ordinal);
        Assert.Contains("higher in treatment", ramp.Reason, StringComparison.Ordinal);
        var after = await host.Client().WaitForVerdictAsync("exp-auto", v => v.ExperimentRevision == 2);
        Assert.Equal(ExperimentStatus.Running, after.ExperimentStatus);

        // More breaching traffic: verdicts keep being recomputed, but an experiment at 0% is not ramped again.
        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-b", 0, 1, Forwarding.Log(auto.Users(300, "b-"))));
        var last = await host.Client().WaitForVerdictAsync("exp-auto", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == auto.Exposed.Sum());
        Assert.Equal(VerdictDecision.RollBack, last.Decision);
        Assert.False(last.AutoRollbackTriggered);
        Assert.Single(_assignment.Ramps);

        var other = await host.Client().WaitForVerdictAsync("exp-manual", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == manual.Exposed.Sum());
        Assert.Equal(VerdictDecision.RollBack, other.Decision);
        Assert.False(other.AutoRollbackTriggered);
        Assert.Equal(100, _assignment.Find("exp-manual")!.RolloutPercent);
        Assert.All(_assignment.Authorizations, a => Assert.Equal("Bearer statistics-to-assignment", a));
    }

    [Fact]
    public async Task A_rollback_that_meets_a_concurrent_change_is_retried_once_on_the_fresh_revision()
    {
        _assignment.Upsert(TestExperiments.Latency("exp-auto", autoRollback: true));
        _assignment.ConcurrentChangesBeforeRamps = 1;
        await using var host = Host();
        var traffic = new Traffic(25, "exp-auto") { TreatmentLatencyFactor = 1.6, TreatmentErrorRate = 0.2 };
        await IntakeTests.WaitUntilAsync(() => host.Get<StatisticsShard>().Experiments().Count == 1);

        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 1, Forwarding.Log(traffic.Users(1500))));

        var ramped = await _assignment.FirstRamp.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1L, 2L], _assignment.Ramps.Select(r => r.ExpectedRevision));
        Assert.Equal(3, ramped.Revision);
        Assert.Equal(0, ramped.RolloutPercent);
        Assert.Equal(0, _assignment.Find("exp-auto")!.RolloutPercent);
    }

    [Fact]
    public async Task An_auto_rollback_experiment_already_at_zero_percent_is_not_ramped()
    {
        // E.g. after a restart: the rollback happened before, the guardrail is still breached.
        var atZero = TestExperiments.Latency("exp-auto", autoRollback: true);
        atZero.RolloutPercent = 0;
        _assignment.Upsert(atZero);
        await using var host = Host();
        var traffic = new Traffic(26, "exp-auto") { TreatmentLatencyFactor = 1.6, TreatmentErrorRate = 0.2 };
        await IntakeTests.WaitUntilAsync(() => host.Get<StatisticsShard>().Experiments().Count == 1);

        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 1, Forwarding.Log(traffic.Users(1500))));

        var verdict = await host.Client().WaitForVerdictAsync("exp-auto", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum());
        Assert.Equal(VerdictDecision.RollBack, verdict.Decision);
        Assert.False(verdict.AutoRollbackTriggered);
        Assert.Empty(_assignment.Ramps);
    }
}
