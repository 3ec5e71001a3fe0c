using System.Diagnostics.Metrics;

namespace Experiments.Assignment.Exposures;

/// <summary>Counters of the exposure pipeline on the <c>Experiments.Assignment</c> meter.</summary>
public sealed class ExposureMetrics : IDisposable
{
    public const string MeterName = "Experiments.Assignment";

    private readonly Meter _meter;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _dropped;

    public ExposureMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _sent = _meter.CreateCounter<long>("experiments.assignment.exposures.sent", "{event}", "Exposure events acknowledged by ingestion.");
        _dropped = _meter.CreateCounter<long>("experiments.assignment.exposures.dropped", "{event}",
            "Exposure events dropped: buffer_full (Assign outpaced the sender) or send_failed (ingestion unreachable after retries).");
    }

    public long DroppedTotal => Interlocked.Read(ref _droppedTotal);

    public long SentTotal => Interlocked.Read(ref _sentTotal);

    private long _droppedTotal;
    private long _sentTotal;

    public void Sent(int count)
    {
        Interlocked.Add(ref _sentTotal, count);
        _sent.Add(count);
    }

    public void Dropped(int count, string reason)
    {
        Interlocked.Add(ref _droppedTotal, count);
        _dropped.Add(count, new KeyValuePair<string, object?>("reason", reason));
    }

    public void Dispose() => _meter.Dispose();
}
