using System.Text.Json;
using Dapr.Client;
using Experiments.Contracts.V1;
using Experiments.Testing.Dapr;
using Google.Protobuf;

namespace Experiments.Statistics.Tests.Support;

/// <summary>
/// Publishes logged events as the ingestion forwarder does in Dapr mode, through the real Dapr SDK: one bulk publish
/// per partition to its topic, each entry a ForwardRequest holding one event in protobuf JSON.
/// </summary>
internal static class DaprPublishing
{
    public static async Task PublishAsync(DaprSidecarDouble sidecar, string logId, IEnumerable<LoggedEvent> events, int partitionCount = 1, string pubsub = "pubsub")
    {
        using var client = new DaprClientBuilder()
            .UseHttpEndpoint("http://127.0.0.1:" + sidecar.HttpPort)
            .UseGrpcEndpoint("http://127.0.0.1:" + sidecar.GrpcPort)
            .Build();
        foreach (var partition in events.GroupBy(e => Forwarding.PartitionOf(e.Event, partitionCount)))
        {
            var topic = Experiments.ServiceDefaults.Dapr.DaprTopics.ForPartition("experiment-events", partition.Key, partitionCount);
            var entries = partition.Select(e => Entry(logId, partition.Key, partitionCount, e)).ToList();
            var response = await client.BulkPublishEventAsync(pubsub, topic, entries);
            Assert.Empty(response.FailedEntries);
        }
    }

    private static JsonElement Entry(string logId, int partition, int partitionCount, LoggedEvent logged)
    {
        var data = new ForwardRequest { LogId = logId, Partition = partition, PartitionCount = partitionCount };
        data.Events.Add(logged);
        using var document = JsonDocument.Parse(JsonFormatter.Default.Format(data));
        return document.RootElement.Clone();
    }
}
