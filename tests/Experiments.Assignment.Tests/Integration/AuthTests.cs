using Experiments.Assignment.Tests.Support;
using Experiments.Clients;
using Experiments.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Experiments.Assignment.Tests.Integration;

public sealed class AuthTests : IAsyncLifetime
{
    private AssignmentHost _host = null!;

    public async Task InitializeAsync() => _host = await AssignmentHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Admin_RPCs_without_a_key_are_unauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.AdminWithoutKey.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("no-key") }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Admin_RPCs_with_a_wrong_key_are_unauthenticated()
    {
        using var channel = GrpcChannel.ForAddress(_host.Address);
        var admin = new ExperimentAdmin.ExperimentAdminClient(channel.WithApiKey("not-a-key"));
        var error = await Assert.ThrowsAsync<RpcException>(() => admin.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("wrong-key") }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task A_read_key_may_read_and_assign_but_not_define()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.AdminWithReadKey.CreateExperimentAsync(new CreateExperimentRequest { Experiment = SampleExperiments.Valid("read-key") }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("admin", error.Status.Detail, StringComparison.Ordinal);

        var list = await _host.AdminWithReadKey.ListExperimentsAsync(new ListExperimentsRequest());
        Assert.NotNull(list);
        var assign = await _host.Assignment.AssignAsync(new AssignRequest { Context = new EvaluationContext { UserId = "u1" }, FlagKeys = { "unknown" } });
        Assert.Equal(AssignmentReason.UnknownFlag, assign.Assignments.Single().Reason);
    }

    [Fact]
    public async Task Assign_needs_the_read_scope()
    {
        var none = await Assert.ThrowsAsync<RpcException>(() => _host.AssignmentWithoutKey.AssignAsync(new AssignRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        var ingestOnly = await Assert.ThrowsAsync<RpcException>(() => _host.AssignmentWith(AssignmentHost.IngestKey).AssignAsync(new AssignRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, ingestOnly.StatusCode);
    }
}
