using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Statistics.Tests.Support;
using Grpc.Core;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>Statistics needs the read scope, StatisticsIntake the internal scope, which no SDK (ingest) key carries.</summary>
public sealed class AuthTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private StatisticsHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new StatisticsHost(_data.Path, new Dictionary<string, string> { ["Statistics:PartitionCount"] = "1" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _data.Dispose();
    }

    [Theory]
    [InlineData(null, StatusCode.Unauthenticated)]
    [InlineData("not-a-key", StatusCode.Unauthenticated)]
    [InlineData(StatisticsHost.IngestKey, StatusCode.PermissionDenied)]
    [InlineData(StatisticsHost.AdminKey, StatusCode.PermissionDenied)]
    [InlineData(StatisticsHost.ReadKey, StatusCode.NotFound)]
    public async Task Reading_verdicts_needs_the_read_scope(string? key, StatusCode expected)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client(key).GetVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-1" }).ResponseAsync);
        var history = await Assert.ThrowsAsync<RpcException>(() => _host.Client(key).GetVerdictHistoryAsync(new GetVerdictHistoryRequest()).ResponseAsync);

        Assert.Equal(expected, error.StatusCode);
        Assert.Equal(expected == StatusCode.NotFound ? StatusCode.InvalidArgument : expected, history.StatusCode);
    }

    [Theory]
    [InlineData(null, StatusCode.Unauthenticated)]
    [InlineData(StatisticsHost.IngestKey, StatusCode.PermissionDenied)]
    [InlineData(StatisticsHost.ReadKey, StatusCode.PermissionDenied)]
    [InlineData(StatisticsHost.AdminKey, StatusCode.PermissionDenied)]
    public async Task Forwarding_events_needs_the_internal_scope(string? key, StatusCode expected)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Forwarding.SendAllAsync(_host.Intake(key), [Forwarding.Probe("log-a", 0, 1)]));

        Assert.Equal(expected, error.StatusCode);
    }

    [Fact]
    public async Task The_internal_scope_may_forward()
    {
        var confirmed = await Forwarding.SendAllAsync(_host.Intake(StatisticsHost.InternalKey), [Forwarding.Probe("log-a", 0, 1)]);

        Assert.Equal(0, confirmed[0]);
    }

    [Theory]
    [InlineData(StatisticsHost.IngestKey, StatusCode.PermissionDenied)]
    [InlineData(StatisticsHost.ReadKey, StatusCode.PermissionDenied)]
    [InlineData(StatisticsHost.InternalKey, StatusCode.NotFound)]
    public async Task Exporting_a_shards_aggregates_needs_the_internal_scope(string key, StatusCode expected)
    {
        var shards = new StatisticsShards.StatisticsShardsClient(_host.Channel.WithApiKey(key));

        var error = await Assert.ThrowsAsync<RpcException>(() => shards.ExportAggregatesAsync(new ExportAggregatesRequest { ExperimentId = "exp-1" }).ResponseAsync);

        Assert.Equal(expected, error.StatusCode);
    }

    [Fact]
    public async Task Merged_verdicts_stay_readable_with_the_read_scope()
    {
        var shards = new StatisticsShards.StatisticsShardsClient(_host.Channel.WithApiKey(StatisticsHost.ReadKey));

        var error = await Assert.ThrowsAsync<RpcException>(() => shards.GetMergedVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-1" }).ResponseAsync);

        Assert.NotEqual(StatusCode.PermissionDenied, error.StatusCode);
        Assert.NotEqual(StatusCode.Unauthenticated, error.StatusCode);
    }
}
