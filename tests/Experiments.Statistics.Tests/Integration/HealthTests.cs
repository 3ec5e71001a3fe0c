using Experiments.Statistics.Checkpoints;
using Experiments.Statistics.Tests.Support;
using Experiments.Testing;
using Experiments.Testing.Assignment;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using HealthClient = Grpc.Health.V1.Health.HealthClient;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>
/// grpc.health.v1 as peers and load balancers see it: the statistics services are SERVING only while the checkpoint
/// store can take a write; a lost definitions stream degrades the service without taking it out of rotation.
/// </summary>
public sealed class HealthTests : IAsyncLifetime
{
    private static readonly string[] Services = ["experiments.v1.Statistics", "experiments.v1.StatisticsIntake", "experiments.v1.StatisticsShards"];
    private readonly TempDirectory _data = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Statistics_is_not_serving_while_the_checkpoint_store_cannot_take_a_write()
    {
        var gated = new GatedCheckpointStore(new SqliteCheckpointStore(Path.Combine(_data.Path, "statistics.db")));
        await using var host = new StatisticsHost(_data.Path, new Dictionary<string, string> { ["Statistics:PartitionCount"] = "1" });
        host.ConfigureTestServices(services => services.AddSingleton<ICheckpointStore>(gated));
        var health = new HealthClient(host.Channel);

        Assert.All(await StatusesAsync(health), s => Assert.Equal(ServingStatus.Serving, s));

        gated.Failing = true;
        Assert.All(await StatusesAsync(health), s => Assert.Equal(ServingStatus.NotServing, s));
        var report = await host.Get<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["checkpoints"].Status);

        gated.Failing = false;
        Assert.All(await StatusesAsync(health), s => Assert.Equal(ServingStatus.Serving, s));
    }

    [Fact]
    public async Task A_lost_definitions_stream_degrades_the_service_but_keeps_it_serving_until_the_stream_is_back()
    {
        var port = GrpcTestServer.FreeLoopbackPort();
        await using var host = new StatisticsHost(_data.Path, new Dictionary<string, string>
        {
            ["Statistics:AssignmentAddress"] = "http://127.0.0.1:" + port, ["Statistics:PartitionCount"] = "1",
        });
        var health = new HealthClient(host.Channel);
        var checks = host.Get<HealthCheckService>();

        Assert.Equal(HealthStatus.Degraded, (await checks.CheckHealthAsync()).Entries["assignment"].Status);
        Assert.All(await StatusesAsync(health), s => Assert.Equal(ServingStatus.Serving, s));

        await using var assignment = await AssignmentDouble.StartAsync(port, TestExperiments.Latency("exp-1"));
        await IntakeTests.WaitUntilAsync(() => checks.CheckHealthAsync().Result.Entries["assignment"].Status == HealthStatus.Healthy, TimeSpan.FromSeconds(30));
        Assert.All(await StatusesAsync(health), s => Assert.Equal(ServingStatus.Serving, s));
    }

    /// <summary>The status of the server as a whole ("") and of each statistics service.</summary>
    private static async Task<List<ServingStatus>> StatusesAsync(HealthClient health)
    {
        var statuses = new List<ServingStatus>();
        foreach (var service in Services.Prepend(""))
        {
            statuses.Add((await health.CheckAsync(new HealthCheckRequest { Service = service })).Status);
        }
        return statuses;
    }
}
