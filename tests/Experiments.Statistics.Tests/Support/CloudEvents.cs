using System.Globalization;
using System.Text;
using System.Text.Json;
using Experiments.Contracts.V1;
using Google.Protobuf;

namespace Experiments.Statistics.Tests.Support;

/// <summary>CloudEvents as daprd delivers what the ingestion forwarder bulk-publishes: one logged event per message.</summary>
internal static class CloudEvents
{
    public static string Of(string logId, LoggedEvent logged, int partition = 0, int partitionCount = 1)
    {
        var data = new ForwardRequest { LogId = logId, Partition = partition, PartitionCount = partitionCount };
        data.Events.Add(logged);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("specversion", "1.0");
            json.WriteString("id", logId + ":" + logged.Position.ToString(CultureInfo.InvariantCulture));
            json.WriteString("source", "experiments-ingestion/" + logId);
            json.WriteString("type", ForwardRequest.Descriptor.FullName);
            json.WriteString("datacontenttype", "application/json");
            json.WriteString("pubsubname", "events-pubsub");
            json.WriteString("topic", "experiment-events");
            json.WriteString("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            json.WritePropertyName("data");
            json.WriteRawValue(JsonFormatter.Default.Format(data));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
