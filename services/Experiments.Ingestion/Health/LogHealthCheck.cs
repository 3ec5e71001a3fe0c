using Experiments.Ingestion.Log;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Health;

/// <summary>
/// Unhealthy when the log's disk has less room than two segments: the next segment could not be written, and
/// every event would then be refused. Degraded (still serving) once the undelivered log passes half its limit.
/// </summary>
internal sealed class LogHealthCheck(EventLog log, IOptions<LogOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var folder = Path.GetFullPath(settings.DataPath);
        var free = new DriveInfo(folder).AvailableFreeSpace;
        var needed = 2 * settings.SegmentBytes;
        if (free < needed)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"{folder} has {free / (1024 * 1024)} MiB free; the log needs at least {needed / (1024 * 1024)} MiB"));
        }
        return Task.FromResult(log.BacklogBytes > settings.MaxBacklogBytes / 2
            ? HealthCheckResult.Degraded($"{log.BacklogBytes / (1024 * 1024)} MiB of the log are not yet forwarded")
            : HealthCheckResult.Healthy());
    }
}
