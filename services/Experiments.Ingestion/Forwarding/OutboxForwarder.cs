using Experiments.Ingestion.Log;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Forwarding;

/// <summary>
/// The outbox: delivers every committed event at least once, each partition to the one target that owns it.
/// One <see cref="ForwardLane"/> per target reads the log on its own, so a target that is down holds back
/// only its partitions while the others keep flowing over everything the log has accepted. The log's
/// confirmed position is the minimum over the lanes: events of other partitions beyond it may be sent again
/// after a restart, and each target ignores what it already has (statistics by (log, partition) position).
/// That position is checkpointed to disk, so a restart resumes from it, and the log trims only behind it,
/// so a target that stays down makes the log grow up to its backlog limit.
/// </summary>
internal sealed class OutboxForwarder(
    EventLog log,
    ForwardTargets targets,
    IOptions<ForwardingOptions> options,
    IOptions<LogOptions> logOptions,
    IngestionMetrics metrics,
    TimeProvider time,
    ILogger<OutboxForwarder> logger) : BackgroundService
{
    private readonly ForwardingOptions _options = options.Value;
    private readonly ForwardCheckpoint _checkpoint = new(Path.Combine(logOptions.Value.DataPath,
        "forwarder-" + options.Value.Mode.ToString().ToLowerInvariant() + ".checkpoint"));
    private readonly Lock _lock = new();
    private readonly Lock _saving = new();
    private ForwardLane[] _lanes = [];
    private TaskCompletionSource _moved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _confirmed;
    private long _saved;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _confirmed = _saved = Math.Min(_checkpoint.Load(), log.DurablePosition);
        log.Confirm(_confirmed);
        _lanes = [.. targets.All.Select(target => new ForwardLane(target, log, _options, metrics, time, logger, _confirmed, LaneAdvanced))];
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        SaveCheckpoint();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var lanes = _lanes.Select(lane => lane.RunAsync(stoppingToken)).ToList();
        try
        {
            // At most one checkpoint write per interval while the position moves; the first one after a pause at once.
            while (true)
            {
                var moved = Volatile.Read(ref _moved).Task;
                if (Volatile.Read(ref _confirmed) <= _saved)
                {
                    await moved.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
                try
                {
                    SaveCheckpoint();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Only costs resends after a restart; the next write may succeed.
                    LogMessages.CheckpointFailed(logger, _checkpoint.Path, ex);
                }
                await Task.Delay(_options.CheckpointInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(lanes).ConfigureAwait(false);
    }

    /// <summary>A lane's position moved: the log's may move to the new minimum. Called from the lanes.</summary>
    private void LaneAdvanced()
    {
        var position = _lanes.Min(lane => lane.Confirmed);
        lock (_lock)
        {
            if (position <= _confirmed)
            {
                return;
            }
            Volatile.Write(ref _confirmed, position);
        }
        log.Confirm(position);
        Interlocked.Exchange(ref _moved, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private void SaveCheckpoint()
    {
        lock (_saving)
        {
            var position = Volatile.Read(ref _confirmed);
            if (_saved >= position)
            {
                return;
            }
            _checkpoint.Save(position);
            _saved = position;
        }
    }
}

/// <summary>Mode None: nothing to deliver to, so everything committed counts as delivered (the log keeps the dedup window).</summary>
internal sealed class DiscardingForwarder(EventLog log, ILogger<DiscardingForwarder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogMessages.ForwardingDisabled(logger);
        try
        {
            while (true)
            {
                var position = log.DurablePosition;
                log.Confirm(position);
                await log.WaitForCommitAfterAsync(position, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
