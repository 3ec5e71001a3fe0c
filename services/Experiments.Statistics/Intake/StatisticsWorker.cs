using Experiments.Statistics.Verdicts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Intake;

/// <summary>Restores the last checkpoint at start, then checkpoints and recomputes verdicts on their intervals.</summary>
internal sealed partial class StatisticsWorker(StatisticsShard shard, VerdictBook verdicts, IOptions<StatisticsOptions> options, ILogger<StatisticsWorker> logger)
    : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the server takes Forward calls: positions must be known before any batch is applied.
        if (await shard.RestoreAsync(cancellationToken))
        {
            LogRestored(logger);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var checkpoint = Task.Run(() => LoopAsync(options.Value.CheckpointInterval, shard.CheckpointAsync, stoppingToken), stoppingToken);
        var refresh = Task.Run(() => LoopAsync(options.Value.VerdictInterval, verdicts.RefreshAsync, stoppingToken), stoppingToken);
        await Task.WhenAll(checkpoint, refresh);
    }

    private async Task LoopAsync(TimeSpan interval, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await work(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogLoopFailed(logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Restored the statistics checkpoint")]
    private static partial void LogRestored(ILogger logger);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Statistics background work failed")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);
}
