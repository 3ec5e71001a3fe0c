using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Captures;

/// <summary>Runs retention every RetentionInterval, so captures age out while nothing is being recorded.</summary>
internal sealed class CaptureRetention(CaptureStore store, IOptionsMonitor<CaptureOptions> options, TimeProvider time, ILogger<CaptureRetention> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var interval = options.CurrentValue.RetentionInterval;
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                await store.EnforceRetentionAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                CaptureLogMessages.RetentionFailed(logger, interval, ex);
            }
        }
    }
}
