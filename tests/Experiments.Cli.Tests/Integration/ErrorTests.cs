using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Experiments.Cli.Tests.Support;
using Experiments.Grpc;
using Google.Protobuf;

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
        cli.Admin.FailNext = new RpcException(new Status(code, "the server's own words: ünïcode & <markup>[/]"));

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
        var trailers = new Metadata().Add("grpc-status-details-bin", RichStatus(3, "2 fields are invalid",
            ("experiment.variants[1].key", "duplicate variant key 'control'"),
            ("experiment.rollout_percent", "must be between 0 and 100")));
        cli.Admin.FailNext = new RpcException(new Status(StatusCode.InvalidArgument, "2 fields are invalid"), trailers);

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
        var trailers = new Metadata().Add("grpc-status-details-bin", RichStatus(3, Message,
            ("experiment.flag_key", "is required"),
            ("experiment.rollout_percent", "must be between 0 and 100, got 150")));
        cli.Admin.FailNext = new RpcException(new Status(StatusCode.InvalidArgument, Message), trailers);

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
        var trailers = new Metadata().Add("grpc-status-details-bin", RichStatus(3, Message, ("experiment.targeting.user_ids[0]", "must not be empty")));
        cli.Admin.FailNext = new RpcException(new Status(StatusCode.InvalidArgument, Message), trailers);

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
        var trailers = new Metadata().Add("grpc-status-details-bin", RichStatus(3, "bad", ("experiment.flag_key", "required")));
        cli.Admin.FailNext = new RpcException(new Status(StatusCode.InvalidArgument, "experiment.flag_key: required"), trailers);

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

    /// <summary>A google.rpc.Status with one google.rpc.BadRequest detail, encoded field by field as its .proto says.</summary>
    private static byte[] RichStatus(int code, string message, params (string Field, string Description)[] violations)
    {
        var badRequest = new MemoryStream();
        var output = new CodedOutputStream(badRequest);
        foreach (var (field, description) in violations)
        {
            var violation = new MemoryStream();
            var inner = new CodedOutputStream(violation);
            inner.WriteTag(1, WireFormat.WireType.LengthDelimited);
            inner.WriteString(field);
            inner.WriteTag(2, WireFormat.WireType.LengthDelimited);
            inner.WriteString(description);
            inner.Flush();
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(violation.ToArray()));
        }
        output.Flush();

        var any = new MemoryStream();
        var anyOutput = new CodedOutputStream(any);
        anyOutput.WriteTag(1, WireFormat.WireType.LengthDelimited);
        anyOutput.WriteString("type.googleapis.com/google.rpc.BadRequest");
        anyOutput.WriteTag(2, WireFormat.WireType.LengthDelimited);
        anyOutput.WriteBytes(ByteString.CopyFrom(badRequest.ToArray()));
        anyOutput.Flush();

        var status = new MemoryStream();
        var statusOutput = new CodedOutputStream(status);
        statusOutput.WriteTag(1, WireFormat.WireType.Varint);
        statusOutput.WriteInt32(code);
        statusOutput.WriteTag(2, WireFormat.WireType.LengthDelimited);
        statusOutput.WriteString(message);
        statusOutput.WriteTag(3, WireFormat.WireType.LengthDelimited);
        statusOutput.WriteBytes(ByteString.CopyFrom(any.ToArray()));
        statusOutput.Flush();
        return status.ToArray();
    }
}
