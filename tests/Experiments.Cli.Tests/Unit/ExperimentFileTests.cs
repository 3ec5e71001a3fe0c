using Experiments.Cli.Definitions;
using Experiments.Cli.Tests.Support;
using Experiments.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Cli.Tests.Unit;

public sealed class ExperimentFileTests
{
    [Fact]
    public void Example_yaml_parses_into_the_experiment_it_describes()
    {
        var expected = new Experiment
        {
            Id = "place-order-engine-v2",
            FlagKey = "place-order-engine",
            DisplayName = "Order engine v2",
            Description = "Hypothesis: the new matching engine cuts PlaceOrder's tail latency without costing availability. Owner: trading-backend.\n",
            Variants =
            {
                new Variant { Key = "control", DisplayName = "Current engine", Weight = 50, IsControl = true },
                new Variant { Key = "fast-engine", DisplayName = "Matching engine v2", Weight = 50, Payload = "{\"batchSize\": 64}" },
            },
            RandomizationUnit = RandomizationUnit.User,
            RolloutPercent = 10,
            Targeting = new Targeting
            {
                AttributeRules = { new AttributeRule { Attribute = "region", Operator = AttributeOperator.In, Values = { "eu-west", "eu-north" } } },
                ExcludedGroups = { "market-makers" },
            },
            Layer = new LayerPlacement { Name = "order-path", TrafficPercent = 100 },
            Kpis =
            {
                new Kpi { Key = "p99-place-order", DisplayName = "PlaceOrder p99 latency", Kind = KpiKind.LatencyP99, Role = KpiRole.Primary, ApiName = "PlaceOrder" },
                new Kpi { Key = "errors-place-order", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, ApiName = "PlaceOrder", Tolerance = 0.01 },
                new Kpi { Key = "p50-quotes", Kind = KpiKind.LatencyP50, Role = KpiRole.Guardrail, ApiName = "GetQuotes", Tolerance = 0.05 },
                new Kpi { Key = "retention-day-1", Kind = KpiKind.RetentionDayN, Role = KpiRole.Secondary, RetentionDay = 1 },
            },
            Alpha = 0.05,
            MinimumDetectableEffect = 0.05,
            Power = 0.8,
            MultipleTestingCorrection = MultipleTestingCorrection.Holm,
            AutoRollback = true,
            Horizon = new Horizon { MaxDuration = Duration.FromTimeSpan(TimeSpan.FromDays(14)), MaxUnits = 200_000 },
        };

        var parsed = ExperimentFile.Load(Samples.ExampleFile);

        Assert.Equal(expected, parsed);
    }

    [Fact]
    public void Json_file_with_json_names_parses_like_yaml_with_proto_names()
    {
        var yaml = ExperimentFile.Parse("flag_key: f\nrollout_percent: 12.5\nauto_rollback: true\nkpis:\n  - key: p99\n    kind: KPI_KIND_LATENCY_P99\n", json: false, "test.yaml");
        var json = ExperimentFile.Parse("""{"flagKey": "f", "rolloutPercent": 12.5, "autoRollback": true, "kpis": [{"key": "p99", "kind": "KPI_KIND_LATENCY_P99"}]}""", json: true, "test.json");

        Assert.Equal(yaml, json);
        Assert.Equal(12.5, yaml.RolloutPercent);
    }

    [Fact]
    public void Yaml_scalars_take_the_type_of_their_field()
    {
        var parsed = ExperimentFile.Parse(
            "seed: 0012\ndisplay_name: true\nsequential_n_star: 9007199254740993\nrollout_percent: '12.5'\nhorizon:\n  max_duration: 14d\n",
            json: false, "test.yaml");

        Assert.Equal("0012", parsed.Seed);
        Assert.Equal("true", parsed.DisplayName);
        Assert.Equal(9007199254740993L, parsed.SequentialNStar);
        Assert.Equal(12.5, parsed.RolloutPercent);
        Assert.Equal(TimeSpan.FromDays(14), parsed.Horizon.MaxDuration.ToTimeSpan());
    }

    [Theory]
    [InlineData("flag_key: f\nunknown_field: 1\n", "line 2: unknown_field: Experiment has no field 'unknown_field'")]
    [InlineData("variants:\n  - key: control\n    wieght: 50\n", "line 3: variants[0].wieght: Variant has no field 'wieght' (did you mean 'weight'?)")]
    [InlineData("kpis:\n  - key: p99\n    kind: KPI_KIND_LATENCY_P101\n", "line 3: kpis[0].kind: 'KPI_KIND_LATENCY_P101' is not a KpiKind (did you mean 'KPI_KIND_LATENCY_P50'?)")]
    [InlineData("rollout_percent: ten\n", "line 1: rollout_percent: 'ten' is not a number")]
    [InlineData("auto_rollback: yes\n", "line 1: auto_rollback: 'yes' is not true or false")]
    [InlineData("horizon:\n  max_duration: two weeks\n", "line 2: horizon.max_duration: 'two weeks' is not a duration")]
    [InlineData("variants: control\n", "line 1: variants: expected a list")]
    [InlineData("flag_key: [unclosed\n", "line 2")]
    public void Malformed_yaml_is_a_usage_error_naming_line_field_and_problem(string text, string message)
    {
        var error = Assert.Throws<CliUsageException>(() => ExperimentFile.Parse(text, json: false, "bad.yaml"));

        Assert.StartsWith("experiment file bad.yaml, " + message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"flagKey": "f", "wieght": 1}""", "wieght")]
    [InlineData("""{"kpis": [{"kind": "KPI_KIND_LATENCY_P101"}]}""", "KPI_KIND_LATENCY_P101")]
    [InlineData("""{"flagKey": "f",""", "experiment file bad.json")]
    public void Malformed_json_is_a_usage_error_naming_the_problem(string text, string named)
    {
        var error = Assert.Throws<CliUsageException>(() => ExperimentFile.Parse(text, json: true, "bad.json"));

        Assert.StartsWith("experiment file bad.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_written_by_the_formatter_reads_back_identically()
    {
        var original = ExperimentFile.Load(Samples.ExampleFile);
        var json = JsonFormatter.Default.Format(original);

        Assert.Equal(original, ExperimentFile.Parse(json, json: true, "roundtrip.json"));
    }
}
