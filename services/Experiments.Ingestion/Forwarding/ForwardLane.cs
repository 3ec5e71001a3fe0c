using Experiments.Contracts.V1;
using Experiments.Ingestion.Log;
using Experiments.ServiceDefaults.Auth;
using Experiments.ServiceDefaults.Configuration;
using Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace Experiments.Ingestion.Forwarding;

/// <summary>
/// Delivers the partitions of one target. It reads the whole log in order from its own confirmed position,
/// sends the events of its partitions and steps over the others. Events go out in chunks, split by
/// partition; a chunk counts as delivered once every partition it touched is confirmed past it, and the
/// lane's confirmed position moves chunk by chunk, in order, over the positions of other partitions too.
/// A failed session is retried with exponential back-off from that position (the target ignores what it
/// already has). Each lane has its own session and back-off, so a target that is down holds back only its
/// own partitions.
/// </summary>
internal sealed class ForwardLane(
    IForwardTarget target,
    EventLog log,
    ForwardingOptions options,
    IngestionMetrics metrics,
    TimeProvider time,
    ILogger logger,
    long start,
    Action advanced)
{
    private readonly bool[] _owned = Partitioning.Mask(target.Partitions, options.PartitionCount);
    private long _confirmed = start;

    public IForwardTarget Target => target;

    /// <summary>Every event of this lane's partitions at or below it is confirmed by the target.</summary>
    public long Confirmed => Volatile.Read(ref _confirmed);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var backoff = options.InitialBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            var before = Confirmed;
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
                LogMessages.LogCorrupted(logger, Confirmed + 1, ex);
                backoff = options.MaxBackoff;
            }
            catch (Exception ex)
            {
                if (Confirmed > before)
                {
                    backoff = options.InitialBackoff;
                }
                // The target being down or restarting is expected and says all in its status; a refused key or a batch
                // refused as invalid will be refused again, so they wait the longest back-off instead of spinning; anything
                // else is a fault worth its stack trace.
                if (ex is RpcException { StatusCode: StatusCode.Unavailable } unavailable)
                {
                    LogMessages.TargetUnavailable(logger, target.Name, unavailable.Status.Detail, backoff);
                }
                else if (ex is RpcException refused && PeerCredentials.Refused(refused))
                {
                    backoff = options.MaxBackoff;
                    PeerCredentials.LogRefused(logger, target.Name, "Ingestion:Forwarding:ApiKey", Scopes.Internal, refused);
                }
                else if (ex is RpcException { StatusCode: StatusCode.InvalidArgument } invalid)
                {
                    backoff = options.MaxBackoff;
                    LogMessages.ForwardedBatchRefused(logger, target.Name, invalid.Status.Detail, backoff);
                }
                else
                {
                    LogMessages.ForwardingFailed(logger, target.Name, backoff, ex);
                }
            }
            try
            {
                await Task.Delay(Backoff.Jitter(backoff), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff = Backoff.Next(backoff, options.MaxBackoff);
        }
    }

    private async Task RunSessionAsync(CancellationToken stoppingToken)
    {
        var partitions = new PartitionProgress(options.PartitionCount);
        await using var session = target.CreateSession(log.LogId, partitions.Count, partitions.Confirm);
        var remote = await session.OpenAsync(stoppingToken).ConfigureAwait(false);
        // The target may be ahead of our checkpoint (it was not written yet when we stopped).
        Advance(Math.Min(remote, log.DurablePosition));
        LogMessages.ForwardingStarted(logger, target.Name, Confirmed, log.LogId);

        using var cursor = log.OpenCursor(Confirmed);
        var chunks = new Queue<Chunk>();
        var unconfirmed = 0;
        var entries = new List<LogEntry>(options.MaxEventsPerRequest);
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

            if (unconfirmed < options.MaxUnconfirmedEvents)
            {
                entries.Clear();
                if (cursor.Read(entries, options.MaxEventsPerRequest) > 0)
                {
                    var partitionLast = new long[partitions.Count];
                    foreach (var entry in entries)
                    {
                        var e = Event.Parser.ParseFrom(entry.Event.Span);
                        var p = Partitioning.PartitionOf(e, partitions.Count);
                        if (!_owned[p])
                        {
                            continue;
                        }
                        byPartition[p].Add(new LoggedEvent { Position = entry.Position, IngestTime = Timestamp.FromDateTimeOffset(entry.IngestTime), Event = e });
                        partitionLast[p] = entry.Position;
                    }
                    var count = 0;
                    for (var p = 0; p < byPartition.Length; p++)
                    {
                        if (byPartition[p].Count > 0)
                        {
                            count += byPartition[p].Count;
                            await session.SendAsync(p, byPartition[p], stoppingToken).ConfigureAwait(false);
                            byPartition[p] = [];
                        }
                    }
                    // A chunk without events of ours is confirmed as soon as the chunks before it are.
                    chunks.Enqueue(new Chunk(entries[^1].Position, count, partitionLast));
                    unconfirmed += count;
                    continue;
                }
            }

            var waits = new List<Task> { confirmedSignal, session.Completion };
            if (unconfirmed < options.MaxUnconfirmedEvents)
            {
                waits.Add(log.WaitForCommitAfterAsync(cursor.Position, stoppingToken));
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
        if (position <= Confirmed)
        {
            return;
        }
        Volatile.Write(ref _confirmed, position);
        LogMessages.ForwardingConfirmed(logger, target.Name, position);
        advanced();
    }

    /// <summary>Events read together: the last position read, how many of them were sent, and the last position sent per partition (0 when none).</summary>
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
