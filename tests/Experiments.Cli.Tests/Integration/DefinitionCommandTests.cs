using Experiments.Cli.Tests.Support;
using Experiments.Contracts.V1;
using Google.Protobuf;

namespace Experiments.Cli.Tests.Integration;

/// <summary><c>exp create</c>, <c>update</c>, <c>list</c> and <c>show</c> against a double of ExperimentAdmin.</summary>
public sealed class DefinitionCommandTests
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);

    [Fact]
    public async Task Create_sends_the_example_file_with_its_id_and_prints_what_the_server_created()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("create", "-f", Samples.ExampleFile);

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<CreateExperimentRequest>(Assert.Single(cli.Admin.Requests));
        Assert.Equal("place-order-engine-v2", request.ExperimentId);
        Assert.Equal("place-order-engine", request.Experiment.FlagKey);
        Assert.Equal(4, request.Experiment.Kpis.Count);
        Assert.Contains("Created experiment place-order-engine-v2 (revision 1, DRAFT)", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Create_with_json_writes_the_experiment_the_server_returned()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("create", "-f", Samples.ExampleFile, "--json");

        Assert.Equal(0, result.ExitCode);
        var printed = Parser.Parse<Experiment>(result.Stdout);
        Assert.Equal(cli.Admin.Stored("place-order-engine-v2"), printed);
    }

    [Fact]
    public async Task Id_option_overrides_the_files_id()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("create", "-f", Samples.ExampleFile, "--id", "engine-v3");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("engine-v3", Assert.IsType<CreateExperimentRequest>(Assert.Single(cli.Admin.Requests)).ExperimentId);
    }

    [Fact]
    public async Task Update_reads_the_latest_revision_then_sends_the_file_and_the_field_mask()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Admin.Add(Samples.Experiment("place-order-engine-v2", revision: 4));

        var result = await cli.RunAsync("update", "-f", Samples.ExampleFile, "--fields", "description,kpis");

        Assert.Equal(0, result.ExitCode);
        var update = Assert.IsType<UpdateExperimentRequest>(cli.Admin.Requests[^1]);
        Assert.Equal(4, update.ExpectedRevision);
        Assert.Equal("place-order-engine-v2", update.Experiment.Id);
        Assert.Equal(["description", "kpis"], update.UpdateMask.Paths);
        Assert.Contains("to revision 5", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_json_holds_every_page_and_passes_the_filters()
    {
        await using var cli = await CliHarness.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            cli.Admin.Add(Samples.Experiment("exp-" + i, i % 2 == 0 ? ExperimentStatus.Running : ExperimentStatus.Draft, layer: "checkout"));
        }
        cli.Admin.Add(Samples.Experiment("elsewhere", ExperimentStatus.Running, layer: "search"));

        var result = await cli.RunAsync("list", "--status", "running,draft", "--layer", "checkout", "--json");

        Assert.Equal(0, result.ExitCode);
        var printed = Parser.Parse<ListExperimentsResponse>(result.Stdout);
        Assert.Equal(["exp-0", "exp-1", "exp-2", "exp-3", "exp-4"], printed.Experiments.Select(e => e.Id));
        var requests = cli.Admin.Requests.Cast<ListExperimentsRequest>().ToList();
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal([ExperimentStatus.Running, ExperimentStatus.Draft], r.Statuses));
        Assert.All(requests, r => Assert.Equal("checkout", r.Layer));
    }

    [Fact]
    public async Task List_shows_a_table_of_ids_states_and_rollouts()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Admin.Add(Samples.Experiment("engine-v2", ExperimentStatus.Running));

        var result = await cli.RunAsync("list");

        Assert.Equal(0, result.ExitCode);
        var row = result.Stdout.Split('\n').Single(l => l.Contains("engine-v2", StringComparison.Ordinal));
        Assert.Matches(@"engine-v2\s+engine-v2-flag\s+RUNNING\s+10%\s+control 50, fast-engine 50", row);
    }

    [Fact]
    public async Task Unknown_status_is_a_usage_error_before_any_call()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("list", "--status", "sleeping");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: unknown status 'sleeping' (expected draft, running, stopped, archived)", result.Stderr.TrimEnd());
        Assert.Empty(cli.Admin.Requests);
    }

    [Fact]
    public async Task Show_json_is_the_servers_experiment_and_the_table_names_variants_and_kpis()
    {
        await using var cli = await CliHarness.StartAsync();
        var stored = cli.Admin.Add(Samples.Experiment("engine-v2", ExperimentStatus.Running, revision: 7));

        var json = await cli.RunAsync("show", "engine-v2", "--json");
        var table = await cli.RunAsync("show", "engine-v2");

        Assert.Equal(0, json.ExitCode);
        Assert.Equal(stored, Parser.Parse<Experiment>(json.Stdout));
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("engine-v2  RUNNING  revision 7", table.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"fast-engine\s+50", table.Stdout);
        Assert.Matches(@"p99\s+LATENCY_P99\s+PRIMARY", table.Stdout);
    }

    [Fact]
    public async Task Bad_file_is_a_usage_error_naming_the_problem_and_nothing_is_sent()
    {
        await using var cli = await CliHarness.StartAsync();
        var file = cli.WriteFile("bad.yaml", "flag_key: x\nvariants:\n  - key: control\n    wieght: 50\n");

        var result = await cli.RunAsync("create", "-f", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("wieght", result.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("error: experiment file " + file, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(cli.Admin.Requests);
    }

    [Fact]
    public async Task Missing_file_option_is_a_usage_error()
    {
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunAsync("create");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--file", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(cli.Admin.Requests);
    }
}
