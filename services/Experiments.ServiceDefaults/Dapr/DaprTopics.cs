using System.Globalization;

namespace Experiments.ServiceDefaults.Dapr;

/// <summary>
/// The pub/sub topic of each unit partition in Dapr mode, the same in ingestion (which publishes) and statistics (whose
/// replicas subscribe to the topics of the partitions they own): with one partition the topic itself, otherwise
/// <c>{topic}-p{partition}</c>, so the broker, not our code, routes a partition to its owner.
/// </summary>
public static class DaprTopics
{
    public static string ForPartition(string topic, int partition, int partitionCount) =>
        partitionCount <= 1 ? topic : topic + "-p" + partition.ToString(CultureInfo.InvariantCulture);
}
