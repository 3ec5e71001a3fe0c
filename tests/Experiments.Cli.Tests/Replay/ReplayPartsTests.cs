using System.Text;
using Experiments.Cli.Replay;
using Experiments.Contracts.V1;
using Experiments.Evaluation.Replay;
using Google.Protobuf;

namespace Experiments.Cli.Tests.Replay;

/// <summary>The pieces of <c>exp replay</c> that need no server: headers, speed, and the schema-less payload diffs.</summary>
public sealed class ReplayPartsTests
{
    [Fact]
    public void Recorded_headers_lose_pseudo_hop_and_replay_headers_and_redacted_ones_are_filled_or_dropped()
    {
        var exchange = new CapturedExchange
        {
            RequestHeaders =
            {
                new CapturedHeader { Name = ":authority", Value = "x" },
                new CapturedHeader { Name = "connection", Value = "keep-alive" },
                new CapturedHeader { Name = "grpc-timeout", Value = "5S" },
                new CapturedHeader { Name = ReplayToken.TokenHeader, Value = "v1.1.old" },
                new CapturedHeader { Name = "authorization", Value = "{{redacted}}" },
                new CapturedHeader { Name = "cookie", Value = "{{redacted}}" },
                new CapturedHeader { Name = "x-client-version", Value = "4.2.0" },
            },
        };
        var headers = new ReplayHeaders(new Dictionary<string, string> { ["authorization"] = "Bearer t" });

        var sent = headers.For(exchange);

        Assert.Equal([new("x-client-version", "4.2.0"), new("authorization", "Bearer t")], sent);
        Assert.Equal(["cookie"], headers.Missing);
    }

    [Theory]
    [InlineData("1x", 1000)]
    [InlineData("10x", 100)]
    [InlineData("2.5x", 400)]
    [InlineData("max", 0)]
    public void Speed_scales_the_recorded_gap(string speed, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), ReplaySpeed.Parse(speed).Scale(TimeSpan.FromSeconds(1)));

    [Fact]
    public void A_speed_that_is_not_a_factor_is_a_usage_error() =>
        Assert.Throws<CliUsageException>(() => ReplaySpeed.Parse("fast"));

    [Fact]
    public void Protobuf_payloads_are_compared_by_field_number_paths_without_their_schema()
    {
        // Field numbers from assignment.proto / assignment_service.proto: AssignResponse.assignments = 1,
        // VariantAssignment.flag_key = 1, variant_key = 4; definitions_version = 2.
        var control = new AssignResponse { Assignments = { new VariantAssignment { FlagKey = "f", VariantKey = "a" }, new VariantAssignment { FlagKey = "g", VariantKey = "b" } }, DefinitionsVersion = 3 };
        var treatment = new AssignResponse { Assignments = { new VariantAssignment { FlagKey = "f", VariantKey = "a" }, new VariantAssignment { FlagKey = "g", VariantKey = "c" } }, DefinitionsVersion = 4 };
        var exchange = new CapturedExchange { Protocol = CaptureProtocol.Grpc };

        var differences = ResponseDiff.Compare(exchange, Outcome(control.ToByteArray()), Outcome(treatment.ToByteArray()));

        Assert.Equal([new FieldDifference("1[1].4", "\"b\"", "\"c\""), new FieldDifference("2", "3", "4")], differences);
    }

    [Fact]
    public void Json_bodies_are_compared_by_json_paths_and_a_status_change_is_a_difference()
    {
        var exchange = new CapturedExchange { Protocol = CaptureProtocol.Http };
        var control = new ReplayOutcome(1, false, false, "HTTP 200", [Encoding.UTF8.GetBytes("""{"a":{"b":[1,2]},"c":"x"}""")]);
        var treatment = new ReplayOutcome(1, true, false, "HTTP 503", [Encoding.UTF8.GetBytes("""{"a":{"b":[1,3]},"d":true}""")]);

        var differences = ResponseDiff.Compare(exchange, control, treatment);

        Assert.Equal(
        [
            new FieldDifference("status", "HTTP 200", "HTTP 503"),
            new FieldDifference("$.a.b[1]", "2", "3"),
            new FieldDifference("$.c", "\"x\"", null),
            new FieldDifference("$.d", null, "true"),
        ], differences);
    }

    [Fact]
    public void The_flag_comes_from_the_exchange_only_when_it_recorded_exactly_one()
    {
        var one = new CapturedExchange { Variants = { ["order-routing"] = "control" } };
        var two = new CapturedExchange { Variants = { ["order-routing"] = "control", ["pricing"] = "v2" } };

        Assert.Equal("order-routing", ReplayRunner.FlagOf(one, null));
        Assert.Equal("pricing", ReplayRunner.FlagOf(two, "pricing"));
        Assert.Throws<CliUsageException>(() => ReplayRunner.FlagOf(two, null));
        Assert.Throws<CliUsageException>(() => ReplayRunner.FlagOf(new CapturedExchange(), null));
    }

    private static ReplayOutcome Outcome(byte[] payload) => new(1, false, false, "OK", [payload]);
}
