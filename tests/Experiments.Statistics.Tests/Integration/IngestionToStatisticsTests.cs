using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Statistics.Tests.Support;
using Experiments.Testing.Assignment;
using Experiments.Tests.Shared;
using Grpc.Net.Client;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>Ingestion and statistics as real processes in local mode: ingested events show up in GetVerdict.</summary>
public sealed class IngestionToStatisticsTests : IAsyncLifetime
{
    private const string Key = "dev-local-key";
    private const string InternalKey = "dev-internal-key";
    private readonly TempDirectory _data = new();
    private AssignmentDouble _assignment = null!;

    public async Task InitializeAsync() => _assignment = await AssignmentDouble.StartAsync(0, TestExperiments.Latency("exp-1"));

    public async Task DisposeAsync()
    {
        await _assignment.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Events_acknowledged_by_ingestion_are_reflected_in_the_verdict()
    {
        await using var statistics = await ServiceProcess.StartAsync("Experiments.Statistics",
            "--Data:Folder=" + Path.Combine(_data.Path, "statistics"), "--Statistics:AssignmentAddress=" + _assignment.Address,
            "--Statistics:PartitionCount=4", "--Logging:LogLevel:Default=Warning");
        await using var ingestion = await ServiceProcess.StartAsync("Experiments.Ingestion",
            "--Ingestion:Log:DataPath=" + Path.Combine(_data.Path, "ingestion"), "--Ingestion:Forwarding:Mode=Local",
            "--Ingestion:Forwarding:StatisticsAddress=" + statistics.Address, "--Ingestion:Forwarding:ApiKey=" + InternalKey,
            "--Ingestion:Forwarding:PartitionCount=4", "--Logging:LogLevel:Default=Warning");
        using var ingestionChannel = GrpcChannel.ForAddress(ingestion.Address);
        using var statisticsChannel = GrpcChannel.ForAddress(statistics.Address);
        var traffic = new Traffic(41, "exp-1") { Origin = DateTimeOffset.UtcNow.AddMinutes(-30), DayOneLogins = false };
        var events = traffic.Users(500);

        var sequence = 0L;
        foreach (var chunk in events.Chunk(250))
        {
            var batch = new EventBatch { Sequence = ++sequence, Source = "statistics-tests" };
            batch.Events.AddRange(chunk);
            var response = await new Ingestion.IngestionClient(ingestionChannel.WithApiKey(Key)).IngestBatchAsync(batch);
            Assert.True(response.RejectedCount == 0, response.ToString());
            Assert.Equal(chunk.Length, response.AcceptedCount);
        }

        var verdict = await new StatisticsClient(statisticsChannel.WithApiKey(Key)).WaitForVerdictAsync("exp-1",
            v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum(), TimeSpan.FromSeconds(60));
        var mean = verdict.KpiResults.Single(k => k.KpiKey == "mean-latency");
        Assert.Equal(traffic.Exposed, verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        // Verdicts recompute every 250 ms; the requests of the last units may land one recomputation later.
        verdict = await new StatisticsClient(statisticsChannel.WithApiKey(Key)).WaitForVerdictAsync("exp-1",
            v => v.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Sum(a => a.Observations) == traffic.Requests.Sum());
        mean = verdict.KpiResults.Single(k => k.KpiKey == "mean-latency");
        for (var a = 0; a < 2; a++)
        {
            Assert.Equal(traffic.Requests[a], mean.Arms[a].Observations);
            Assert.Equal(traffic.LatencySum[a] / traffic.Requests[a], mean.Arms[a].Estimate, 1e-9 * mean.Arms[a].Estimate);
        }
    }
}
