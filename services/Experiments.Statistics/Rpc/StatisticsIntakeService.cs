using System.Threading.Channels;
using Experiments.Contracts.V1;
using Grpc.Core;
using Experiments.Statistics.Intake;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Rpc;

/// <summary>
/// StatisticsIntake.Forward: applies ordered batches idempotently by log position and answers with confirmed
/// positions as checkpoints commit; an empty batch is a probe answered at once. A batch holding an event that breaks
/// <see cref="ForwardedEventRules"/> ends the call with INVALID_ARGUMENT naming the field, none of its events applied.
/// </summary>
internal sealed class StatisticsIntakeService(StatisticsShard shard, IOptions<StatisticsOptions> options) : StatisticsIntake.StatisticsIntakeBase
{
    public override async Task Forward(IAsyncStreamReader<ForwardRequest> requestStream, IServerStreamWriter<ForwardResponse> responseStream, ServerCallContext context)
    {
        var probes = Channel.CreateUnbounded<(string, int)>();
        var touched = new Dictionary<(string Log, int Partition), long>();
        var sync = new Lock();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var writer = WriteConfirmationsAsync(responseStream, probes.Reader, touched, sync, done.Token);
        try
        {
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                var request = requestStream.Current;
                Validate(request);
                var key = (request.LogId, request.Partition);
                lock (sync)
                {
                    touched.TryAdd(key, -1);
                }
                if (request.Events.Count == 0)
                {
                    probes.Writer.TryWrite(key);
                    continue;
                }
                // Probes are answered at once; events wait until the definitions are known (back-pressure, not loss),
                // also those of an experiment started moments ago whose first exposures outran its definition.
                await shard.DefinitionsReady.WaitAsync(context.CancellationToken);
                await shard.WhenExposedExperimentsDefinedAsync(request.Events).WaitAsync(context.CancellationToken);
                try
                {
                    shard.Apply(request);
                }
                catch (InvalidForwardedEventException e)
                {
                    // Nothing of this batch was applied; what earlier batches applied stays and is confirmed as usual.
                    throw InvalidArgument.For(e.Violation.Field, e.Violation.Description + " (log position " + e.Violation.Position + ")");
                }
            }
            // Half-closed by the sender: wait until everything applied on this stream is durable (a checkpoint already
            // under way may predate the last batch), let the writer send the final positions, then end.
            List<((string Log, int Partition) Key, long Applied)> targets;
            lock (sync)
            {
                targets = [.. touched.Keys.Select(k => (k, shard.Applied(k.Log, k.Partition)))];
            }
            while (targets.Any(t => shard.Confirmed(t.Key.Log, t.Key.Partition) < t.Applied))
            {
                await shard.NextCommit.WaitAsync(context.CancellationToken);
            }
            probes.Writer.TryComplete();
            await writer;
        }
        finally
        {
            probes.Writer.TryComplete();
            await done.CancelAsync();
            try
            {
                await writer;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private void Validate(ForwardRequest request)
    {
        var partitions = options.Value.PartitionCount;
        if (string.IsNullOrEmpty(request.LogId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "log_id is required"));
        }
        if (request.PartitionCount != partitions)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"partition_count {request.PartitionCount} does not match this replica's {partitions}"));
        }
        if (request.Partition < 0 || request.Partition >= partitions)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"partition must lie in [0, {partitions})"));
        }
        if (!options.Value.Owns(request.Partition))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"this replica does not own partition {request.Partition}"));
        }
        long previous = 0;
        foreach (var e in request.Events)
        {
            if (e.Position <= previous)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "events: positions must be positive and ascending"));
            }
            previous = e.Position;
        }
    }

    private async Task WriteConfirmationsAsync(IServerStreamWriter<ForwardResponse> stream, ChannelReader<(string, int)> probes,
        Dictionary<(string Log, int Partition), long> touched, Lock sync, CancellationToken cancellationToken)
    {
        var probeWait = probes.WaitToReadAsync(cancellationToken).AsTask();
        var commitWait = shard.NextCommit;
        while (true)
        {
            var finished = await Task.WhenAny(probeWait, commitWait.WaitAsync(cancellationToken));
            if (finished == probeWait)
            {
                if (!await probeWait)
                {
                    await SendAdvancedAsync(stream, touched, sync);
                    return;
                }
                while (probes.TryRead(out var key))
                {
                    var confirmed = shard.Confirmed(key.Item1, key.Item2);
                    lock (sync)
                    {
                        touched[key] = confirmed;
                    }
                    await stream.WriteAsync(new ForwardResponse { LogId = key.Item1, Partition = key.Item2, ConfirmedPosition = confirmed });
                }
                probeWait = probes.WaitToReadAsync(cancellationToken).AsTask();
            }
            else
            {
                await finished; // throws when cancelled
                commitWait = shard.NextCommit;
                await SendAdvancedAsync(stream, touched, sync);
            }
        }
    }

    private async Task SendAdvancedAsync(IServerStreamWriter<ForwardResponse> stream, Dictionary<(string Log, int Partition), long> touched, Lock sync)
    {
        List<(string, int, long)> advanced = [];
        lock (sync)
        {
            foreach (var (key, sent) in touched)
            {
                var confirmed = shard.Confirmed(key.Log, key.Partition);
                if (confirmed > sent)
                {
                    advanced.Add((key.Log, key.Partition, confirmed));
                }
            }
            foreach (var (log, partition, confirmed) in advanced)
            {
                touched[(log, partition)] = confirmed;
            }
        }
        foreach (var (log, partition, confirmed) in advanced)
        {
            await stream.WriteAsync(new ForwardResponse { LogId = log, Partition = partition, ConfirmedPosition = confirmed });
        }
    }
}
