using Experiments.Cli.Tests.Support;
using Experiments.Contracts.V1;
using Google.Protobuf;

namespace Experiments.Cli.Tests.Integration;

/// <summary><c>exp start</c>, <c>ramp</c>, <c>stop</c>, <c>archive</c> and <c>audit</c>.</summary>
public sealed class LifecycleCommandTests
{
    [Fact]
    public async Task Ramp_bases_the_change_on_the_latest_revision_and_sends_rollout_weights_and_reason()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Admin.Add(Samples.Experiment("engine-v2", ExperimentStatus.Running, revision: 3));

        var result = await cli.RunAsync("ramp", "engine-v2", "--rollout", "50", "--weights", "control=40,fast-engine=60", "--reason", "no guardrail breach");

        Assert.Equal(0, result.ExitCode);
        Assert.IsType<GetExperimentRequest>(cli.Admin.Requests[0]);
        var ramp = Assert.IsType<RampExperimentRequest>(cli.Admin.Requests[1]);
        Assert.Equal(3, ramp.ExpectedRevision);
        Assert.Equal(50, ramp.RolloutPercent);
        Assert.Equal([("control", 40.0), ("fast-engine", 60.0)], ramp.Weights.Select(w => (w.VariantKey, w.Weight)));
        Assert.Equal("no guardrail breach", ramp.Reason);
        Assert.Contains("Ramped to 50% rollout, weights control=40, fast-engine=60: engine-v2 is RUNNING at revision 4.", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ramp_with_a_stale_revision_shows_the_servers_abort_and_exits_2()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Admin.Add(Samples.Experiment("engine-v2", ExperimentStatus.Running, revision: 3));

        var result = await cli.RunAsync("ramp", "engine-v2", "--rollout", "50", "--revision", "2");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: ABORTED: experiment 'engine-v2' is at revision 3, not 2; re-read it and retry", result.Stderr.TrimEnd());
        Assert.Single(cli.Admin.Requests);
    }

    [Fact]
    public async Task Ramp_without_rollout_or_weights_is_a_usage_error()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("ramp", "engine-v2");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: ramp needs --rollout, --weights or both", result.Stderr.TrimEnd());
    }

    [Theory]
    [InlineData("150")]
    [InlineData("-1")]
    public async Task Rollout_outside_0_to_100_is_a_usage_error(string rollout)
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("ramp", "engine-v2", "--rollout", rollout);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(cli.Admin.Requests);
    }

    [Fact]
    public async Task Stop_sends_the_reason_and_final_variant_and_json_is_the_stopped_experiment()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Admin.Add(Samples.Experiment("engine-v2", ExperimentStatus.Running, revision: 5));

        var result = await cli.RunAsync("stop", "engine-v2", "--reason", "shipping: p99 -12%", "--final-variant", "fast-engine", "--json");

        Assert.Equal(0, result.ExitCode);
        var stop = Assert.IsType<StopExperimentRequest>(cli.Admin.Requests[^1]);
        Assert.Equal((5L, "shipping: p99 -12%", "fast-engine"), (stop.ExpectedRevision, stop.Reason, stop.FinalVariantKey));
        var printed = JsonParser.Default.Parse<Experiment>(result.Stdout);
        Assert.Equal(cli.Admin.Stored("engine-v2"), printed);
        Assert.Equal(ExperimentStatus.Stopped, printed.Status);
    }

    [Fact]
    public async Task Start_of_a_running_experiment_shows_the_failed_precondition()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Admin.Add(Samples.Experiment("engine-v2", ExperimentStatus.Running, revision: 2));

        var result = await cli.RunAsync("start", "engine-v2");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: FAILED_PRECONDITION: experiment 'engine-v2' is Running, not DRAFT", result.Stderr.TrimEnd());
    }

    [Fact]
    public async Task Start_then_archive_walk_the_lifecycle()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Admin.Add(Samples.Experiment("engine-v2"));

        var start = await cli.RunAsync("start", "engine-v2", "--revision", "1");
        var archive = await cli.RunAsync("archive", "engine-v2");

        Assert.Equal((0, 0), (start.ExitCode, archive.ExitCode));
        Assert.Contains("engine-v2 is RUNNING at revision 2", start.Stdout, StringComparison.Ordinal);
        Assert.Contains("engine-v2 is ARCHIVED at revision 3", archive.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_json_holds_every_entry_across_pages_newest_first()
    {
        await using var cli = await CliHarness.StartAsync();
        await cli.RunAsync("create", "-f", Samples.ExampleFile, "--id", "engine-v2");
        await cli.RunAsync("start", "engine-v2");
        await cli.RunAsync("ramp", "engine-v2", "--rollout", "50");
        await cli.RunAsync("stop", "engine-v2", "--reason", "done");

        var result = await cli.RunAsync("audit", "engine-v2", "--json");

        Assert.Equal(0, result.ExitCode);
        var printed = JsonParser.Default.Parse<ListAuditEntriesResponse>(result.Stdout);
        Assert.Equal([4L, 3, 2, 1], printed.AuditEntries.Select(a => a.Revision));
        Assert.Equal([AuditAction.Stop, AuditAction.Ramp, AuditAction.Start, AuditAction.Create], printed.AuditEntries.Select(a => a.Action));
    }
}
