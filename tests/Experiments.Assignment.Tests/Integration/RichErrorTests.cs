using System.Text.Json;
using Experiments.Assignment.Tests.Support;
using Experiments.Contracts.V1;
using Experiments.Tests.Shared;
using Grpc.Core;

namespace Experiments.Assignment.Tests.Integration;

/// <summary>
/// INVALID_ARGUMENT carries the rich error model (google.rpc.Status with a google.rpc.BadRequest in
/// grpc-status-details-bin), read by grpcio and python protobuf from stubs of protos/google/rpc.
/// </summary>
public sealed class RichErrorTests : IAsyncLifetime
{
    private AssignmentHost _host = null!;

    public async Task InitializeAsync() => _host = await AssignmentHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_grpcio_client_reads_one_field_violation_per_invalid_field()
    {
        var report = await ProbeAsync("two_fields");

        Assert.Equal((int)StatusCode.InvalidArgument, report.GetProperty("code").GetInt32());
        var status = report.GetProperty("status");
        Assert.Equal(report.GetProperty("code").GetInt32(), status.GetProperty("code").GetInt32());
        Assert.Equal(report.GetProperty("message").GetString(), status.GetProperty("message").GetString());
        Assert.Equal(["type.googleapis.com/google.rpc.BadRequest"], status.GetProperty("detail_types").EnumerateArray().Select(t => t.GetString()));
        var violations = report.GetProperty("field_violations").EnumerateArray().ToList();
        Assert.Equal(["experiment.variants[1].key", "experiment.rollout_percent"], violations.Select(v => v.GetProperty("field").GetString()));
        Assert.Equal(["duplicate variant key 'control'", "must be between 0 and 100, got 150"], violations.Select(v => v.GetProperty("description").GetString()));
    }

    [Fact]
    public async Task A_thousand_violations_stay_within_grpcio_metadata_limit_and_the_message_counts_the_rest()
    {
        // A thousand violations listed in full make ~100 KB of trailers; grpcio would fail the call with
        // RESOURCE_EXHAUSTED ("metadata size exceeds limit") and the refusal would be lost.
        var report = await ProbeAsync("many_fields");

        Assert.Equal((int)StatusCode.InvalidArgument, report.GetProperty("code").GetInt32());
        var fields = report.GetProperty("field_violations").EnumerateArray().Select(v => v.GetProperty("field").GetString()).ToList();
        Assert.InRange(fields.Count, 10, 999);
        Assert.Equal(Enumerable.Range(0, fields.Count).Select(i => $"experiment.targeting.user_ids[{i}]"), fields);
        var message = report.GetProperty("message").GetString()!;
        Assert.EndsWith($"; and {1000 - fields.Count} more violations", message, StringComparison.Ordinal);
        Assert.Equal(message, report.GetProperty("status").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Every_invalid_argument_of_the_service_carries_its_field_violation()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Admin.ListExperimentsAsync(new ListExperimentsRequest { PageToken = "not-a-token" }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var details = error.GetRpcStatus();
        Assert.NotNull(details);
        Assert.Equal((int)error.StatusCode, details.Code);
        Assert.Equal(error.Status.Detail, details.Message);
        var violation = Assert.Single(Assert.Single(details.Details).Unpack<Google.Rpc.BadRequest>().FieldViolations);
        Assert.Equal(("page_token", "is not a token returned by this method"), (violation.Field, violation.Description));
    }

    private async Task<JsonElement> ProbeAsync(string probeCase)
    {
        var (exitCode, output) = await Python.RunAsync("rich_error_probe.py", TimeSpan.FromSeconds(60),
            Python.ProtosRoot, new Uri(_host.Address).Authority, AssignmentHost.AdminKey, probeCase);
        Assert.True(exitCode == 0, output);
        using var report = JsonDocument.Parse(output);
        return report.RootElement.Clone();
    }
}
