using Experiments.Contracts.V1;

namespace Experiments.Dashboard.Tests.Support;

internal static class Forwarding
{
    /// <summary>Sends the events as one ingestion log on one Forward stream and waits until the service confirms them durable.</summary>
    public static async Task ForwardAsync(this StatisticsIntake.StatisticsIntakeClient client, string logId, IReadOnlyList<Event> events, CancellationToken cancellationToken = default)
    {
        using var call = client.Forward(cancellationToken: cancellationToken);
        var reading = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
            }
        }, cancellationToken);
        var position = 0L;
        foreach (var chunk in events.Chunk(500))
        {
            var request = new ForwardRequest { LogId = logId, Partition = 0, PartitionCount = 1 };
            request.Events.AddRange(chunk.Select(e => new LoggedEvent { Position = ++position, Event = e, IngestTime = e.EventTime }));
            await call.RequestStream.WriteAsync(request, cancellationToken);
        }
        await call.RequestStream.CompleteAsync();
        await reading;
    }
}
