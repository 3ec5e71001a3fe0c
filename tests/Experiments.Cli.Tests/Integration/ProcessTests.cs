using System.Text.Json;
using Experiments.Cli.Tests.Support;
using Experiments.Contracts.V1;
using Experiments.Tests.Shared;
using Google.Protobuf;

namespace Experiments.Cli.Tests.Integration;

/// <summary>The real <c>exp</c> binary against the real assignment service, both as processes over a socket.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "exp-process-tests", Guid.NewGuid().ToString("N"));

    public ProcessTests()
    {
        Directory.CreateDirectory(_directory);
    }

    [Fact]
    public async Task Exp_drives_an_experiment_through_the_assignment_service()
    {
        await using var service = await ServiceProcess.StartAsync(
            "Experiments.Assignment",
            "--Data:Folder", Path.Combine(_directory, "data"),
            // No ingestion here: exposures are dropped and counted, never slowing the service.
            "--Exposures:IngestionAddress", "http://127.0.0.1:9");
        // The address from the environment; no key given, so the development key goes to the loopback server.
        var environment = new Dictionary<string, string> { ["EXP_ASSIGNMENT_URL"] = service.Address };

        var created = await ExpProcess.RunAsync(_directory, environment, "create", "-f", Samples.ExampleFile, "--json");
        Assert.True(created.ExitCode == 0, created.Stderr + service.Output);
        Assert.Equal("place-order-engine-v2", JsonParser.Default.Parse<Experiment>(created.Stdout).Id);

        var started = await ExpProcess.RunAsync(_directory, environment, "start", "place-order-engine-v2");
        Assert.True(started.ExitCode == 0, started.Stderr);
        var ramped = await ExpProcess.RunAsync(_directory, environment, "ramp", "place-order-engine-v2", "--rollout", "50", "--reason", "healthy");
        Assert.True(ramped.ExitCode == 0, ramped.Stderr);

        var shown = await ExpProcess.RunAsync(_directory, environment, "show", "place-order-engine-v2", "--json");
        Assert.Equal(0, shown.ExitCode);
        var experiment = JsonParser.Default.Parse<Experiment>(shown.Stdout);
        Assert.Equal((ExperimentStatus.Running, 50.0, 3L), (experiment.Status, experiment.RolloutPercent, experiment.Revision));

        var audit = await ExpProcess.RunAsync(_directory, environment, "audit", "place-order-engine-v2", "--json");
        Assert.Equal(0, audit.ExitCode);
        Assert.Equal([AuditAction.Ramp, AuditAction.Start, AuditAction.Create],
            JsonParser.Default.Parse<ListAuditEntriesResponse>(audit.Stdout).AuditEntries.Select(a => a.Action));

        var again = await ExpProcess.RunAsync(_directory, environment, "create", "-f", Samples.ExampleFile);
        Assert.Equal(2, again.ExitCode);
        Assert.StartsWith("error: ALREADY_EXISTS: ", again.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_of_the_real_service_are_shown_with_their_field_and_exit_code()
    {
        await using var service = await ServiceProcess.StartAsync(
            "Experiments.Assignment", "--Data:Folder", Path.Combine(_directory, "data"), "--Exposures:IngestionAddress", "http://127.0.0.1:9");
        var file = Path.Combine(_directory, "duplicate.yaml");
        await File.WriteAllTextAsync(file, """
            id: duplicate-variants
            flag_key: dup
            randomization_unit: RANDOMIZATION_UNIT_USER
            minimum_detectable_effect: 0.02
            variants:
              - {key: control, weight: 50, is_control: true}
              - {key: control, weight: 50}
            kpis:
              - {key: p99, kind: KPI_KIND_LATENCY_P99, role: KPI_ROLE_PRIMARY}
            """);
        var environment = new Dictionary<string, string> { ["EXP_ASSIGNMENT_URL"] = service.Address };

        var invalid = await ExpProcess.RunAsync(_directory, environment, "create", "-f", file);
        var missing = await ExpProcess.RunAsync(_directory, environment, "show", "no-such-experiment");
        var wrongKey = await ExpProcess.RunAsync(_directory, environment, "list", "--api-key", "not-a-key");

        Assert.Equal(2, invalid.ExitCode);
        Assert.StartsWith("error: INVALID_ARGUMENT: ", invalid.Stderr, StringComparison.Ordinal);
        Assert.Contains("experiment.variants[1].key", invalid.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, missing.ExitCode);
        Assert.StartsWith("error: NOT_FOUND: ", missing.Stderr, StringComparison.Ordinal);
        Assert.Equal(4, wrongKey.ExitCode);
        Assert.StartsWith("error: UNAUTHENTICATED: ", wrongKey.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_field_violation_the_real_service_names_reaches_the_user()
    {
        await using var service = await ServiceProcess.StartAsync(
            "Experiments.Assignment", "--Data:Folder", Path.Combine(_directory, "data"), "--Exposures:IngestionAddress", "http://127.0.0.1:9");
        var file = Path.Combine(_directory, "two-invalid-fields.yaml");
        await File.WriteAllTextAsync(file, """
            id: two-invalid-fields
            flag_key: two-invalid
            randomization_unit: RANDOMIZATION_UNIT_USER
            rollout_percent: 150
            minimum_detectable_effect: 0.02
            variants:
              - {key: control, weight: 50, is_control: true}
              - {key: control, weight: 50}
            kpis:
              - {key: p99, kind: KPI_KIND_LATENCY_P99, role: KPI_ROLE_PRIMARY}
            """);
        var environment = new Dictionary<string, string> { ["EXP_ASSIGNMENT_URL"] = service.Address };

        var text = await ExpProcess.RunAsync(_directory, environment, "create", "-f", file);
        var json = await ExpProcess.RunAsync(_directory, environment, "create", "-f", file, "--json");

        Assert.Equal(2, text.ExitCode);
        Assert.Equal(
            "error: INVALID_ARGUMENT: 2 invalid fields\n" +
            "  experiment.variants[1].key: duplicate variant key 'control'\n" +
            "  experiment.rollout_percent: must be between 0 and 100, got 150",
            text.Stderr.ReplaceLineEndings("\n").TrimEnd());
        Assert.Equal(2, json.ExitCode);
        using var error = JsonDocument.Parse(json.Stderr);
        var violations = error.RootElement.GetProperty("error").GetProperty("fieldViolations").EnumerateArray()
            .Select(v => (v.GetProperty("field").GetString(), v.GetProperty("description").GetString()));
        Assert.Equal([("experiment.variants[1].key", "duplicate variant key 'control'"), ("experiment.rollout_percent", "must be between 0 and 100, got 150")], violations);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
