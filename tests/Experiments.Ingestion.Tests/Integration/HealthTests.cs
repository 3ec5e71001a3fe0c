using System.Globalization;
using Experiments.Ingestion.Tests.Support;
using Grpc.Health.V1;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using HealthClient = Grpc.Health.V1.Health.HealthClient;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Experiments.Ingestion.Tests.Integration;

/// <summary>
/// grpc.health.v1 of the real app in memory, tied to the log's health: the room left on the log's disk (measured
/// here with <see cref="DriveInfo"/>, not taken from the service) and the undelivered backlog.
/// </summary>
public sealed class HealthTests : IDisposable
{
    private const string IngestionService = "experiments.v1.Ingestion";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Ingestion_is_serving_while_its_disk_has_room_for_two_more_segments()
    {
        // A quarter of the free room per segment: two segments fit with half the disk to spare.
        await using var host = Host(("Ingestion:Log:SegmentBytes", FreeBytes() / 4));

        Assert.Equal(ServingStatus.Serving, await StatusAsync(host, ""));
        Assert.Equal(ServingStatus.Serving, await StatusAsync(host, IngestionService));
    }

    [Fact]
    public async Task Ingestion_is_not_serving_when_its_disk_cannot_hold_two_more_segments()
    {
        // Segments as large as all the free room: the next segment after this one could not be written.
        await using var host = Host(("Ingestion:Log:SegmentBytes", FreeBytes()));

        Assert.Equal(ServingStatus.NotServing, await StatusAsync(host, ""));
        Assert.Equal(ServingStatus.NotServing, await StatusAsync(host, IngestionService));
        var log = (await host.Get<HealthCheckService>().CheckHealthAsync()).Entries["log"];
        Assert.Equal(HealthStatus.Unhealthy, log.Status);
    }

    [Fact]
    public async Task A_backlog_past_half_its_limit_degrades_the_log_check_but_ingestion_keeps_serving()
    {
        const long MaxBacklogBytes = 1_000_000;
        // Statistics never answers (nothing listens on port 1): every accepted event stays in the backlog.
        await using var host = Host(
            ("Ingestion:Log:MaxBacklogBytes", MaxBacklogBytes),
            ("Ingestion:Forwarding:Mode", "Local"),
            ("Ingestion:Forwarding:StatisticsAddress", "http://127.0.0.1:1"));
        var log = host.Get<Log.EventLog>();
        var checks = host.Get<HealthCheckService>();
        await host.Client().IngestBatchAsync(TestEvents.Requests(1, "first", 0, 10));
        Assert.Equal(HealthStatus.Healthy, (await checks.CheckHealthAsync()).Entries["log"].Status);

        for (var s = 2; log.BacklogBytes <= MaxBacklogBytes / 2; s++)
        {
            Assert.Equal(500, (await host.Client().IngestBatchAsync(TestEvents.Requests(s, "backlog", s * 500, 500))).AcceptedCount);
        }

        Assert.InRange(log.BacklogBytes, MaxBacklogBytes / 2 + 1, MaxBacklogBytes);
        Assert.Equal(HealthStatus.Degraded, (await checks.CheckHealthAsync()).Entries["log"].Status);
        // Degraded is a warning, not an outage: the service still takes events, so callers must not be sent away.
        Assert.Equal(ServingStatus.Serving, await StatusAsync(host, IngestionService));
    }

    private IngestionHost Host(params (string Key, object Value)[] settings) => IngestionHost.Start(_dir.Path,
        settings.ToDictionary(s => s.Key, s => Convert.ToString(s.Value, CultureInfo.InvariantCulture)!));

    private long FreeBytes() => new DriveInfo(Path.GetFullPath(_dir.Path)).AvailableFreeSpace;

    private static async Task<ServingStatus> StatusAsync(IngestionHost host, string service) =>
        (await new HealthClient(host.Channel).CheckAsync(new HealthCheckRequest { Service = service })).Status;
}
