using Grpc.Core;
using Experiments.Contracts.V1;
using Experiments.Statistics.Engine.Aggregation;

namespace Experiments.Statistics.Tests.Support;

/// <summary>What the ingestion forwarder does, by hand: logged events with positions, batches, probes, confirmations.</summary>
internal static class Forwarding
{
    /// <summary>The events as one log: position i+1 for event i.</summary>
    public static List<LoggedEvent> Log(IEnumerable<Event> events) =>
        [.. events.Select((e, i) => new LoggedEvent { Position = i + 1, Event = e, IngestTime = e.EventTime })];

    /// <summary>The partition of a user, as every sender must compute it for a given count.</summary>
    public static int PartitionOf(Event e, int partitionCount) =>
        (int)(StableHash.Of(e.UserId.Length > 0 ? e.UserId : e.SessionId.Length > 0 ? e.SessionId : e.RequestId) % (ulong)partitionCount);

    public static IEnumerable<ForwardRequest> Batches(string logId, int partition, int partitionCount, IEnumerable<LoggedEvent> events, int size = 500)
    {
        foreach (var chunk in events.Chunk(size))
        {
            var request = new ForwardRequest { LogId = logId, Partition = partition, PartitionCount = partitionCount };
            request.Events.AddRange(chunk);
            yield return request;
        }
    }

    public static ForwardRequest Probe(string logId, int partition, int partitionCount) =>
        new() { LogId = logId, Partition = partition, PartitionCount = partitionCount };

    /// <summary>
    /// Sends <paramref name="batches"/> on one Forward stream, half-closes, and collects the confirmations until the
    /// server ends the call. Returns the highest confirmed position per partition.
    /// </summary>
    public static async Task<Dictionary<int, long>> SendAllAsync(StatisticsIntake.StatisticsIntakeClient client, IEnumerable<ForwardRequest> batches, CancellationToken cancellationToken = default)
    {
        using var call = client.Forward(cancellationToken: cancellationToken);
        var confirmed = new Dictionary<int, long>();
        var reading = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                var r = call.ResponseStream.Current;
                confirmed[r.Partition] = Math.Max(confirmed.GetValueOrDefault(r.Partition), r.ConfirmedPosition);
            }
        }, cancellationToken);
        try
        {
            foreach (var batch in batches)
            {
                await call.RequestStream.WriteAsync(batch, cancellationToken);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException) when (!reading.IsCompletedSuccessfully)
        {
            // The server ended the call while we wrote (a refusal): the status it sent is the call's, not the write's.
            await reading;
            throw;
        }
        await reading;
        return confirmed;
    }
}
