using System.Diagnostics.Metrics;

namespace Experiments.Statistics.Dapr;

/// <summary>
/// Meter <c>Experiments.Statistics.Dapr</c>: <c>experiments.dapr.deliveries</c> by answer (SUCCESS, RETRY, DROP) and
/// reason, and <c>experiments.dapr.dead_lettered</c>, the messages the broker gave up on after the resiliency policy's
/// retries and moved to a partition's dead-letter topic.
/// </summary>
internal sealed class DaprDeliveryMetrics : IDisposable
{
    public const string MeterName = "Experiments.Statistics.Dapr";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _deadLettered;

    public DaprDeliveryMetrics()
    {
        _deliveries = _meter.CreateCounter<long>("experiments.dapr.deliveries", description: "Pub/sub deliveries by the answer given");
        _deadLettered = _meter.CreateCounter<long>("experiments.dapr.dead_lettered", description: "Messages moved to a dead-letter topic after their retries");
    }

    public void Answered(string status, string reason) =>
        _deliveries.Add(1, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("reason", reason));

    public void DeadLettered(string topic) => _deadLettered.Add(1, new KeyValuePair<string, object?>("topic", topic));

    public void Dispose() => _meter.Dispose();
}
