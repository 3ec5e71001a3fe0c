using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Experiments.Cli.Tests.Support;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Experiments.Cli.Tests.Integration;

/// <summary>Server refusals reach the user as the server worded them, with an exit code per status.</summary>
public sealed class ErrorTests
{
    [Theory]
    [InlineData(StatusCode.InvalidArgument, "INVALID_ARGUMENT", 2)]
    [InlineData(StatusCode.FailedPrecondition, "FAILED_PRECONDITION", 2)]
    [InlineData(StatusCode.AlreadyExists, "ALREADY_EXISTS", 2)]
    [InlineData(StatusCode.Aborted, "ABORTED", 2)]
    [InlineData(StatusCode.NotFound, "NOT_FOUND", 3)]
    [InlineData(StatusCode.Unauthenticated, "UNAUTHENTICATED", 4)]
    [InlineData(StatusCode.PermissionDenied, "PERMISSION_DENIED", 4)]
    [InlineData(StatusCode.Unavailable, "UNAVAILABLE", 5)]
    [InlineData(StatusCode.ResourceExhausted, "RESOURCE_EXHAUSTED", 5)]
    [InlineData(StatusCode.Internal, "INTERNAL", 6)]
    [InlineData(StatusCode.Unimplemented, "UNIMPLEMENTED", 6)]
    public async Task Each_status_has_its_exit_code_and_the_servers_message(StatusCode code, string name, int exitCode)
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Admin.FailNext = new RpcException(new Grpc.Core.Status(code, "the server's own words: ünïcode & <markup>[/]"));

        var result = await cli.RunAsync("show", "engine-v2");

        Assert.Equal(exitCode, result.ExitCode);
        Assert.StartsWith($"error: {name}: the server's own words: ünïcode & <markup>[/]", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Field_violations_of_a_rich_error_are_listed_under_the_message()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Admin.FailNext = InvalidFields("2 fields are invalid",
            ("experiment.variants[1].key", "duplicate variant key 'control'"),
            ("experiment.rollout_percent", "must be between 0 and 100"));

        var result = await cli.RunAsync("create", "-f", Samples.ExampleFile);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            "error: INVALID_ARGUMENT: 2 fields are invalid\n" +
            "  experiment.variants[1].key: duplicate variant key 'control'\n" +
            "  experiment.rollout_percent: must be between 0 and 100",
            result.Stderr.ReplaceLineEndings("\n").TrimEnd());
    }

    [Fact]
    public async Task A_message_that_only_restates_the_violations_becomes_a_count_so_each_is_shown_once()
    {
        await using var cli = await CliHarness.StartAsync();
        const string Message = "experiment.flag_key: is required; experiment.rollout_percent: must be between 0 and 100, got 150";
        cli.Admin.FailNext = InvalidFields(Message,
            ("experiment.flag_key", "is required"),
            ("experiment.rollout_percent", "must be between 0 and 100, got 150"));

        var result = await cli.RunAsync("create", "-f", Samples.ExampleFile);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            "error: INVALID_ARGUMENT: 2 invalid fields\n" +
            "  experiment.flag_key: is required\n" +
            "  experiment.rollout_percent: must be between 0 and 100, got 150",
            result.Stderr.ReplaceLineEndings("\n").TrimEnd());
    }

    [Fact]
    public async Task Violations_the_server_left_out_are_counted_under_the_list()
    {
        await using var cli = await CliHarness.StartAsync();
        const string Message = "experiment.targeting.user_ids[0]: must not be empty; and 999 more violations";
        cli.Admin.FailNext = InvalidFields(Message, ("experiment.targeting.user_ids[0]", "must not be empty"));

        var result = await cli.RunAsync("create", "-f", Samples.ExampleFile);

        Assert.Equal(
            "error: INVALID_ARGUMENT: invalid fields\n" +
            "  experiment.targeting.user_ids[0]: must not be empty\n" +
            "  and 999 more violations",
            result.Stderr.ReplaceLineEndings("\n").TrimEnd());
    }

    [Fact]
    public async Task With_json_the_error_is_a_json_object_on_stderr()
    {
        await using var cli = await CliHarness.StartAsync();
        cli.Admin.FailNext = InvalidFields("experiment.flag_key: required", ("experiment.flag_key", "required"));

        var result = await cli.RunAsync("create", "-f", Samples.ExampleFile, "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        using var error = JsonDocument.Parse(result.Stderr);
        var body = error.RootElement.GetProperty("error");
        Assert.Equal("INVALID_ARGUMENT", body.GetProperty("code").GetString());
        Assert.Equal("experiment.flag_key: required", body.GetProperty("message").GetString());
        Assert.Equal("experiment.flag_key", body.GetProperty("fieldViolations")[0].GetProperty("field").GetString());
        Assert.Equal("assignment", body.GetProperty("service").GetString());
    }

    [Fact]
    public async Task Nothing_listening_is_unavailable_with_a_hint_naming_the_service_and_address()
    {
        // A real socket: a port that was just free and is closed again.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var cli = await CliHarness.StartAsync();

        var result = await cli.RunRawAsync(["verdict", "engine-v2", "--statistics-url", $"http://127.0.0.1:{port}"]);

        Assert.Equal(5, result.ExitCode);
        Assert.StartsWith("error: UNAVAILABLE: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"hint: the statistics service at http://127.0.0.1:{port}/ did not answer", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// INVALID_ARGUMENT with a google.rpc.BadRequest detail, as a Grpc.AspNetCore service raises it (Grpc.StatusProto),
    /// so it travels in <c>grpc-status-details-bin</c>.
    /// </summary>
    private static RpcException InvalidFields(string message, params (string Field, string Description)[] violations)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations.Select(v => new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description }));
        return new Google.Rpc.Status { Code = (int)Code.InvalidArgument, Message = message, Details = { Any.Pack(badRequest) } }.ToRpcException();
    }
}
