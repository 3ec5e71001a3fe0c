using Experiments.Cli.Tests.Support;
using Experiments.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Cli.Tests.Integration;

/// <summary><c>exp verdict</c> and <c>exp watch</c> against a double of Statistics.</summary>
public sealed class VerdictCommandTests
{
    [Fact]
    public async Task Verdict_shows_the_decision_reasons_srm_and_a_table_per_kpi()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Statistics.Current = Samples.Verdict("engine-v2");

        var result = await cli.RunAsync("verdict", "engine-v2");

        Assert.Equal(0, result.ExitCode);
        var text = result.Stdout;
        Assert.Contains("Decision: SHIP fast-engine", text, StringComparison.Ordinal);
        Assert.Contains("• p99 latency of PlaceOrder 12.4% lower (always-valid 95% CI -15.1% to -9.6%)", text, StringComparison.Ordinal);
        // A long line wraps at the console's 120 columns.
        Assert.Contains("Sample ratio: passed χ² = 0.0576, df 1, p = 0.810 (fails below 0.001); control 5,012 (expected 5,000), fast-engine 4,988 (expected 5,000)",
            text.Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("Horizon: 10,000 of 20,000 units · 1d 6h elapsed (event time)", text, StringComparison.Ordinal);
        Assert.Contains("── API PlaceOrder ─", text, StringComparison.Ordinal);
        Assert.Contains("p99-place-order · p99 latency · PRIMARY · clustered quantile difference (delta method)", text, StringComparison.Ordinal);
        Assert.Contains("errors-place-order · error rate · GUARDRAIL · delta-method ratio z-test", text, StringComparison.Ordinal);
        // The latency table: the control's value, then the treatment's with the relative effect, the interval and
        // p-value the decision used, the absolute effect, the decision, and the fixed-horizon figures labelled as
        // reference only — one figure per line of a cell.
        Assert.Matches(@"│ control\s+│ 182.5 ms\s+│\s+│", Line(text, "182.5 ms"));
        Assert.Matches(@"│ fast-engine\s+│ 159.9 ms\s+│ -12.4%\s+│ BETTER\s+│ -12.4%\s+│", Line(text, "159.9 ms"));
        Assert.Matches(@"│\s+│ ± 1.9 ms\s+│ \[-15.1%, -9.6%\]\s+│", Line(text, "± 1.9 ms"));
        Assert.Contains("95% always-valid", text, StringComparison.Ordinal);
        Assert.Contains("adjusted p = 0.0031", text, StringComparison.Ordinal);
        Assert.Contains("CHANGE vs control", text, StringComparison.Ordinal);
        Assert.Contains("FIXED-HORIZON", text, StringComparison.Ordinal);
        Assert.Contains("(reference only)", text, StringComparison.Ordinal);
        Assert.Contains("[-27.6 ms, -17.5 ms]", text, StringComparison.Ordinal);
        Assert.Contains("p = <0.0001", text, StringComparison.Ordinal);
        // The guardrail: proportions as percents, the interval the decision used against the tolerance.
        Assert.Matches(@"│ fast-engine\s+│ 1.03%\s+│ \+1.98%\s+│ NO SIGNIFICANT\s+│", Line(text, "1.03%"));
        Assert.Contains("[-8%, +30%]", text, StringComparison.Ordinal);
        Assert.Contains("p = 0.0040 against", text, StringComparison.Ordinal);
        Assert.Contains("within tolerance", text, StringComparison.Ordinal);
        Assert.Contains("(+50%)", text, StringComparison.Ordinal);
        Assert.Contains("Power: 4,988 of 31,000 units per arm needed to detect 2% with power 0.8", text, StringComparison.Ordinal);
        Assert.DoesNotContain("STOPPED", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stopped_experiments_verdict_says_it_stopped_with_its_last_decision()
    {
        await using var cli = await CliHarness.StartAsync();
        var verdict = Samples.Verdict("engine-v2", VerdictDecision.KeepRunning);
        verdict.ExperimentStatus = ExperimentStatus.Stopped;
        cli.Statistics.Current = verdict;

        var result = await cli.RunAsync("verdict", "engine-v2");

        Assert.Contains("Decision: STOPPED · last decision KEEP_RUNNING", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kept_ship_or_roll_back_says_since_when_and_that_it_stays()
    {
        await using var cli = await CliHarness.StartAsync();
        var shipped = Samples.Verdict("engine-v2", VerdictDecision.Ship);
        shipped.ShipDecision = new ShipDecision { VariantKey = "treatment", AsOfTime = Timestamp.FromDateTime(new DateTime(2026, 12, 1, 9, 0, 0, DateTimeKind.Utc)) };
        cli.Statistics.Current = shipped;
        var ship = await cli.RunAsync("verdict", "engine-v2");

        var rolledBack = Samples.Verdict("engine-v2", VerdictDecision.RollBack);
        rolledBack.ShipDecision = shipped.ShipDecision;
        rolledBack.GuardrailBreach = new GuardrailBreach { KpiKey = "p99", VariantKey = "treatment", AsOfTime = Timestamp.FromDateTime(new DateTime(2026, 12, 1, 9, 30, 0, DateTimeKind.Utc)) };
        cli.Statistics.Current = rolledBack;
        var rollBack = await cli.RunAsync("verdict", "engine-v2");

        Assert.Contains("SHIP since 2026-12-01 09:00:00", ship.Stdout, StringComparison.Ordinal);
        Assert.Contains("(treatment); it stays unless a guardrail is later shown beyond its tolerance", ship.Stdout, StringComparison.Ordinal);
        // A breach after a SHIP overrides it: only the breach is said to stay.
        Assert.Contains("ROLL_BACK since 2026-12-01 09:30:00", rollBack.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("SHIP since", rollBack.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quantile_arm_shows_its_own_interval_and_other_arms_none()
    {
        await using var cli = await CliHarness.StartAsync();
        var verdict = Samples.Verdict("engine-v2");
        var arms = verdict.KpiResults.Single(k => k.Kind == KpiKind.LatencyP99).Arms;
        arms[0].EstimateCi = new ConfidenceInterval { Lower = 178.24, Upper = 187.5 };
        arms[1].EstimateCi = new ConfidenceInterval { Lower = 156.0, Upper = 163.76 };
        cli.Statistics.Current = verdict;

        var result = await cli.RunAsync("verdict", "engine-v2");

        Assert.Contains("CI 178.2 ms–187.5 ms", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("CI 156 ms–163.8 ms", result.Stdout, StringComparison.Ordinal);
        // Only those two arms carry one.
        Assert.Equal(2, result.Stdout.Split("ms–").Length - 1);
    }

    [Fact]
    public async Task Verdict_without_data_says_so_and_power_past_the_plan_is_not_a_fraction_above_one()
    {
        await using var cli = await CliHarness.StartAsync();
        var verdict = Samples.Verdict("engine-v2", VerdictDecision.KeepRunning);
        foreach (var arm in verdict.SampleRatioCheck.Arms)
        {
            arm.ObservedUnits = 0;
        }
        verdict.KpiResults[1].Power.ObservedUnitsPerArm = 40_000;
        verdict.KpiResults[1].Power.NonInferiority = true;
        cli.Statistics.Current = verdict;

        var result = await cli.RunAsync("verdict", "engine-v2");

        Assert.Contains("Sample ratio: no data yet (no unit exposed)", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("40,000 of 31,000", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Power: 40,000 units per arm, past the 31,000 planned to show it within its 2% tolerance if unharmed", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verdict_json_is_the_servers_verdict()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Statistics.Current = Samples.Verdict("engine-v2");

        var result = await cli.RunAsync("verdict", "engine-v2", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(cli.Statistics.Current, JsonParser.Default.Parse<Verdict>(result.Stdout));
    }

    [Theory]
    [InlineData(VerdictDecision.Ship, 0)]
    [InlineData(VerdictDecision.KeepRunning, 10)]
    [InlineData(VerdictDecision.Inconclusive, 11)]
    [InlineData(VerdictDecision.RollBack, 12)]
    [InlineData(VerdictDecision.Invalid, 13)]
    public async Task Exit_code_option_maps_the_decision(VerdictDecision decision, int exitCode)
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Statistics.Current = Samples.Verdict("engine-v2", decision);

        var withOption = await cli.RunAsync("verdict", "engine-v2", "--exit-code");
        var without = await cli.RunAsync("verdict", "engine-v2");

        Assert.Equal(exitCode, withOption.ExitCode);
        Assert.Equal(0, without.ExitCode);
    }

    [Fact]
    public async Task No_verdict_yet_is_not_found_with_the_servers_message()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("verdict", "engine-v2", "--exit-code");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("error: NOT_FOUND: no verdict for experiment 'engine-v2'", result.Stderr.TrimEnd());
    }

    [Fact]
    public async Task Watch_prints_each_verdict_and_ends_when_the_experiment_stops()
    {
        await using var cli = await CliHarness.StartAsync();
        var first = Samples.Verdict("engine-v2", VerdictDecision.KeepRunning);
        var other = Samples.Verdict("other-experiment", VerdictDecision.Ship);
        var last = Samples.Verdict("engine-v2", VerdictDecision.RollBack);
        last.ExperimentStatus = ExperimentStatus.Stopped;
        last.AutoRollbackTriggered = true;
        await cli.Statistics.Stream.Writer.WriteAsync(first);
        await cli.Statistics.Stream.Writer.WriteAsync(other);
        await cli.Statistics.Stream.Writer.WriteAsync(last);

        var result = await cli.RunAsync("watch", "engine-v2", "--json", "--exit-code", "--min-interval", "2s");

        Assert.Equal(12, result.ExitCode);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([first, last], lines.Select(l => JsonParser.Default.Parse<Verdict>(l)));
        var request = Assert.IsType<WatchVerdictsRequest>(Assert.Single(cli.Statistics.Requests));
        Assert.Equal(["engine-v2"], request.ExperimentIds);
        Assert.Equal(TimeSpan.FromSeconds(2), request.MinInterval.ToTimeSpan());
    }

    [Fact]
    public async Task Watch_without_json_renders_each_verdict_and_stops_when_cancelled()
    {
        await using var cli = await CliHarness.StartAsync();
        await cli.Statistics.Stream.Writer.WriteAsync(Samples.Verdict("engine-v2", VerdictDecision.KeepRunning));
        using var cancellation = new CancellationTokenSource();
        var run = cli.RunRawAsync(["--statistics-url", CliHarness.StatisticsUrl, "watch", "engine-v2"], cancellation.Token);
        // Cancel (as Ctrl+C does) once the first verdict is on screen.
        while (cli.CurrentStdout?.ToString().Contains("Decision:", StringComparison.Ordinal) != true)
        {
            Assert.False(run.IsCompleted, "watch ended before it was cancelled");
            await Task.Delay(10);
        }
        await cancellation.CancelAsync();

        var result = await run;

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Decision: KEEP_RUNNING", result.Stdout, StringComparison.Ordinal);
    }

    private static string Line(string text, params string[] parts) =>
        text.Split('\n').First(l => parts.All(p => l.Contains(p, StringComparison.Ordinal)));
}
