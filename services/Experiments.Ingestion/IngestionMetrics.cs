using System.Diagnostics.Metrics;
using Experiments.Ingestion.Captures;
using Experiments.Ingestion.Log;

namespace Experiments.Ingestion;

/// <summary>The service's instruments, on the meter <c>Experiments.Ingestion</c>.</summary>
public sealed class IngestionMetrics
{
    public const string MeterName = "Experiments.Ingestion";

    private readonly Counter<long> _accepted;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _forwarded;
    private readonly Histogram<double> _commitSeconds;
    private readonly Histogram<long> _commitEvents;
    private readonly Counter<long> _capturesAccepted;
    private readonly Counter<long> _capturesDuplicate;
    private readonly Counter<long> _capturesRejected;
    private readonly Counter<long> _capturesDropped;
    private EventLog? _log;
    private CaptureStore? _captures;

    public IngestionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _accepted = meter.CreateCounter<long>("ingestion.events.accepted", "{event}", "Events newly committed to the log.");
        _duplicates = meter.CreateCounter<long>("ingestion.events.duplicate", "{event}", "Events acknowledged as duplicates of committed ones.");
        _rejected = meter.CreateCounter<long>("ingestion.events.rejected", "{event}", "Events refused by validation, by reason.");
        _dropped = meter.CreateCounter<long>("ingestion.events.dropped", "{event}", "Events of whole batches refused (rate limit, overload, full log, oversize batch), by reason.");
        _forwarded = meter.CreateCounter<long>("ingestion.events.forwarded", "{event}", "Events confirmed by the forwarding target.");
        _commitSeconds = meter.CreateHistogram<double>("ingestion.log.commit.duration", "s", "Time of one group commit (write and fsync).");
        _commitEvents = meter.CreateHistogram<long>("ingestion.log.commit.events", "{event}", "Events per group commit.");
        meter.CreateObservableGauge("ingestion.log.backlog", () => _log is { } log ? log.DurablePosition - log.ConfirmedPosition : 0, "{event}",
            "Committed events not yet confirmed by the forwarding target.");
        meter.CreateObservableGauge("ingestion.log.backlog.bytes", () => _log?.BacklogBytes ?? 0, "By", "Log bytes not yet confirmed by the forwarding target.");
        meter.CreateObservableGauge("ingestion.log.pending", () => _log?.PendingEvents ?? 0, "{event}", "Validated events waiting for a commit.");
        meter.CreateObservableGauge("ingestion.log.pending.bytes", () => _log?.PendingBytes ?? 0, "By", "Bytes of validated events waiting for a commit.");
        meter.CreateObservableGauge("ingestion.forwarding.lag", () => _log?.ForwardingLag.TotalSeconds ?? 0, "s",
            "How long the oldest committed event not yet confirmed by the forwarding target has waited.");
        meter.CreateObservableGauge("ingestion.dedup.window", () => _log?.DedupWindow.TotalSeconds ?? 0, "s",
            "How far back event ids are remembered for deduplication now.");
        _capturesAccepted = meter.CreateCounter<long>("ingestion.captures.accepted", "{exchange}", "Captured exchanges newly stored.");
        _capturesDuplicate = meter.CreateCounter<long>("ingestion.captures.duplicate", "{exchange}", "Captured exchanges whose capture id was already stored.");
        _capturesRejected = meter.CreateCounter<long>("ingestion.captures.rejected", "{exchange}", "Captured exchanges refused by validation.");
        _capturesDropped = meter.CreateCounter<long>("ingestion.captures.dropped", "{exchange}", "Stored captures dropped by retention, by reason (age, bytes).");
        meter.CreateObservableGauge("ingestion.captures.bytes", () => _captures?.StoredBytes ?? 0, "By", "Bytes of captured exchanges stored.");
    }

    internal void Attach(EventLog log) => _log = log;

    internal void AttachCaptures(CaptureStore captures) => _captures = captures;

    public void CapturesRecorded(int accepted, int duplicates, int rejected)
    {
        _capturesAccepted.Add(accepted);
        _capturesDuplicate.Add(duplicates);
        _capturesRejected.Add(rejected);
    }

    public void CapturesDropped(long count, string reason) => _capturesDropped.Add(count, new KeyValuePair<string, object?>("reason", reason));

    public void Accepted(long count) => _accepted.Add(count);

    public void Duplicates(long count) => _duplicates.Add(count);

    public void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dropped(long count, string reason) => _dropped.Add(count, new KeyValuePair<string, object?>("reason", reason));

    public void Forwarded(long count) => _forwarded.Add(count);

    public void Committed(int events, TimeSpan duration)
    {
        _commitEvents.Record(events);
        _commitSeconds.Record(duration.TotalSeconds);
    }
}
