using Experiments.Contracts.V1;
using Experiments.Grpc;
using Experiments.Ingestion.Log;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Forwarding;

/// <summary>
/// The outbox: reads the log in order from the confirmed position and delivers every event at least once.
/// Events go out in chunks, split by partition; a chunk counts as delivered once every partition it touched
/// is confirmed past it, and the log's confirmed position moves chunk by chunk, in order. That position is
/// checkpointed to disk, so a restart resumes from it (the target ignores what it already has), and the log
/// trims only behind it. A failed session is retried with exponential back-off; the log keeps growing
/// meanwhile, up to its backlog limit.
/// </summary>
internal sealed class OutboxForwarder(
    EventLog log,
    IForwardTarget target,
    IOptions<ForwardingOptions> options,
    IOptions<LogOptions> logOptions,
    IngestionMetrics metrics,
    TimeProvider time,
    ILogger<OutboxForwarder> logger) : BackgroundService
{
    private readonly ForwardingOptions _options = options.Value;
    private readonly ForwardCheckpoint _checkpoint = new(Path.Combine(logOptions.Value.DataPath,
        "forwarder-" + options.Value.Mode.ToString().ToLowerInvariant() + ".checkpoint"));
    private long _confirmed;
    private long _saved;
    private long _lastSave;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _confirmed = _saved = Math.Min(_checkpoint.Load(), log.DurablePosition);
        log.Confirm(_confirmed);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        SaveCheckpoint(force: true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var backoff = _options.InitialBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            var before = _confirmed;
            try
            {
                await RunSessionAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (LogCorruptedException ex)
            {
                LogMessages.LogCorrupted(logger, _confirmed + 1, ex);
                backoff = _options.MaxBackoff;
            }
            catch (Exception ex)
            {
                if (_confirmed > before)
                {
                    backoff = _options.InitialBackoff;
                }
                // The target being down or restarting is expected and says all in its status; anything else is a
                // fault worth its stack trace.
                if (ex is RpcException { StatusCode: StatusCode.Unavailable } unavailable)
                {
                    LogMessages.TargetUnavailable(logger, target.Name, unavailable.Status.Detail, backoff);
                }
                else
                {
                    LogMessages.ForwardingFailed(logger, target.Name, backoff, ex);
                }
            }
            SaveCheckpoint(force: true);
            try
            {
                await Task.Delay(Backoff.Jitter(backoff), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff = Backoff.Next(backoff, _options.MaxBackoff);
        }
    }

    private async Task RunSessionAsync(CancellationToken stoppingToken)
    {
        var partitions = new PartitionProgress(Math.Max(1, _options.PartitionCount));
        await using var session = target.CreateSession(log.LogId, partitions.Count, partitions.Confirm);
        var remote = await session.OpenAsync(stoppingToken).ConfigureAwait(false);
        // The target may be ahead of our checkpoint (it was not written yet when we stopped).
        Advance(Math.Min(remote, log.DurablePosition));
        LogMessages.ForwardingStarted(logger, target.Name, _confirmed, log.LogId);

        using var cursor = log.OpenCursor(_confirmed);
        var chunks = new Queue<Chunk>();
        var unconfirmed = 0;
        var entries = new List<LogEntry>(_options.MaxEventsPerRequest);
        var byPartition = new List<LoggedEvent>[partitions.Count];
        for (var p = 0; p < byPartition.Length; p++)
        {
            byPartition[p] = [];
        }
        while (true)
        {
            stoppingToken.ThrowIfCancellationRequested();
            var confirmedSignal = partitions.Signal;
            while (chunks.TryPeek(out var done) && partitions.Covers(done))
            {
                chunks.Dequeue();
                unconfirmed -= done.Count;
                metrics.Forwarded(done.Count);
                Advance(done.Last);
            }
            SaveCheckpoint(force: chunks.Count == 0);

            if (unconfirmed < _options.MaxUnconfirmedEvents)
            {
                entries.Clear();
                if (cursor.Read(entries, _options.MaxEventsPerRequest) > 0)
                {
                    var chunk = new Chunk(entries[^1].Position, entries.Count, new long[partitions.Count]);
                    foreach (var entry in entries)
                    {
                        var logged = new LoggedEvent
                        {
                            Position = entry.Position,
                            IngestTime = Timestamp.FromDateTimeOffset(entry.IngestTime),
                            Event = Event.Parser.ParseFrom(entry.Event.Span),
                        };
                        var p = Partitioning.PartitionOf(logged.Event, partitions.Count);
                        byPartition[p].Add(logged);
                        chunk.PartitionLast[p] = entry.Position;
                    }
                    for (var p = 0; p < byPartition.Length; p++)
                    {
                        if (byPartition[p].Count > 0)
                        {
                            await session.SendAsync(p, byPartition[p], stoppingToken).ConfigureAwait(false);
                            byPartition[p] = [];
                        }
                    }
                    chunks.Enqueue(chunk);
                    unconfirmed += chunk.Count;
                    continue;
                }
            }

            var waits = new List<Task> { confirmedSignal, session.Completion };
            if (unconfirmed < _options.MaxUnconfirmedEvents)
            {
                waits.Add(log.WaitForCommitAfterAsync(cursor.Position, stoppingToken));
            }
            if (_saved < _confirmed)
            {
                waits.Add(Task.Delay(_options.CheckpointInterval, time, stoppingToken));
            }
            var woke = await Task.WhenAny(waits).ConfigureAwait(false);
            if (woke == session.Completion)
            {
                await session.Completion.ConfigureAwait(false);
                throw new IOException(target.Name + " closed the session.");
            }
            await woke.ConfigureAwait(false);
        }
    }

    private void Advance(long position)
    {
        if (position <= _confirmed)
        {
            return;
        }
        _confirmed = position;
        log.Confirm(position);
        LogMessages.ForwardingConfirmed(logger, target.Name, position);
    }

    private void SaveCheckpoint(bool force)
    {
        if (_saved >= _confirmed)
        {
            return;
        }
        var now = time.GetTimestamp();
        if (!force && time.GetElapsedTime(_lastSave, now) < _options.CheckpointInterval)
        {
            return;
        }
        _checkpoint.Save(_confirmed);
        _saved = _confirmed;
        _lastSave = now;
    }

    /// <summary>Events sent together: the last position, how many, and the last position per partition (0 when none).</summary>
    private sealed record Chunk(long Last, int Count, long[] PartitionLast);

    /// <summary>What the target has confirmed per partition; signals each change. Called from the session's reader.</summary>
    private sealed class PartitionProgress(int count)
    {
        private readonly long[] _confirmed = new long[count];
        private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count => count;

        public Task Signal => Volatile.Read(ref _signal).Task;

        public void Confirm(int partition, long position)
        {
            lock (_confirmed)
            {
                if (position <= _confirmed[partition])
                {
                    return;
                }
                _confirmed[partition] = position;
            }
            Interlocked.Exchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        public bool Covers(Chunk chunk)
        {
            lock (_confirmed)
            {
                for (var p = 0; p < count; p++)
                {
                    if (chunk.PartitionLast[p] > _confirmed[p])
                    {
                        return false;
                    }
                }
                return true;
            }
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
