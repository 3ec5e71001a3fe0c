using Experiments.ServiceDefaults.Logging;
using Experiments.Assignment.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging;

namespace Experiments.Assignment.Definitions;

/// <summary>Loads the catalog at start-up, retrying while the store is unreachable (e.g. a Dapr sidecar still starting).</summary>
internal sealed partial class CatalogLoader(ExperimentCatalog catalog, IExperimentStore store, IOptions<AssignmentOptions> options, ILogger<CatalogLoader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await catalog.LoadAsync(stoppingToken).ConfigureAwait(false);
                break;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LoadFailed(logger, exception, delay);
            }
            await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }
        if (!store.IsShared)
        {
            return;
        }
        // Other replicas write the same store: poll it so their changes reach this replica's Assign and watchers.
        using var timer = new PeriodicTimer(options.Value.SharedStoreRefreshInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await catalog.RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                RefreshFailed(logger, exception);
            }
        }
    }

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Refreshing experiment definitions from the shared store failed")]
    private static partial void RefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Loading experiment definitions failed; retrying in {Delay}")]
    private static partial void LoadFailed(ILogger logger, Exception exception, HumanDuration delay);
}
