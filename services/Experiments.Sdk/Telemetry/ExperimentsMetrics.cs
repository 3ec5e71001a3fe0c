using System.Diagnostics.Metrics;
using Experiments.Sdk.Capture;
using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Replay;

namespace Experiments.Sdk.Telemetry;

/// <summary>
/// The SDK's instruments on the <c>Experiments.Sdk</c> meter. Counts are plain fields read by observable
/// instruments, so the request path pays one interlocked increment at most.
/// </summary>
internal sealed class ExperimentsMetrics : IDisposable
{
    public const string MeterName = "Experiments.Sdk";

    private readonly Meter _meter;
    private long _sent;
    private long _rejected;
    private long _sendFailed;
    private long _shutdown;
    private long _exposures;
    private long _unattributed;
    private long _unmeasurable;
    private readonly long[] _droppedIds = new long[IdKinds.Length * IdReasons.Length];
    private readonly long[] _capturesDropped = new long[CaptureDropReasons.Length];
    private readonly long[] _replayRefused = new long[ReplayRefusals.Length];
    private long _capturesSent;
    private long _capturesRecorded;
    private long _replayServed;

    // Indexed by CaptureDrop and ReplayRefusal.
    private static readonly string[] CaptureDropReasons = ["budget", "error", "rejected", "send_failed", "shutdown"];
    private static readonly string[] ReplayRefusals = ["disabled", "bad_token", "malformed"];

    private static readonly string[] IdKinds = ["user", "session", "client"];
    private static readonly string[] IdReasons = ["", "missing", "too_long", "invalid"];

    public ExperimentsMetrics(IMeterFactory meters, TelemetryBuffer buffer, Definitions.DefinitionsStore definitions)
    {
        _meter = meters.Create(MeterName);
        Buffer = buffer;
        _meter.CreateObservableCounter("experiments.sdk.events.dropped", () => new[]
        {
            new Measurement<long>(buffer.DroppedFull, new KeyValuePair<string, object?>("reason", "buffer_full")),
            new Measurement<long>(Volatile.Read(ref _rejected), new KeyValuePair<string, object?>("reason", "rejected")),
            new Measurement<long>(Volatile.Read(ref _sendFailed), new KeyValuePair<string, object?>("reason", "send_failed")),
            new Measurement<long>(Volatile.Read(ref _shutdown), new KeyValuePair<string, object?>("reason", "shutdown")),
        }, "{event}", "Events not delivered: buffer_full (requests outpaced the sender or ingestion is down), rejected (invalid), send_failed (not retryable), shutdown (unsent at exit).");
        _meter.CreateObservableCounter("experiments.sdk.events.sent", () => Volatile.Read(ref _sent), "{event}", "Events acknowledged by ingestion.");
        _meter.CreateObservableCounter("experiments.sdk.exposures", () => Volatile.Read(ref _exposures), "{event}", "Exposures recorded (first evaluation of a unit into an arm in this process).");
        _meter.CreateObservableCounter("experiments.sdk.ids.dropped", DroppedIds, "{id}",
            "Ids a request carried that were not used: missing (empty), too_long (over Experiments:MaxIdLength), invalid (not valid UTF-8 text, or a control character). A request without a usable unit id is served the fallback and not recorded; one without a usable client id is recorded without it.");
        _meter.CreateObservableCounter("experiments.sdk.dependency.unattributed", () => Volatile.Read(ref _unattributed), "{call}",
            "Outbound calls made outside any served unit: not recorded, since they belong to no experiment arm.");
        _meter.CreateObservableCounter("experiments.sdk.staleness.unmeasurable", () => Volatile.Read(ref _unmeasurable), "{message}",
            "Stream messages whose source time the app's WithStaleness selector failed to read (it threw): not measured.");
        _meter.CreateObservableCounter("experiments.sdk.capture.recorded", () => Volatile.Read(ref _capturesRecorded), "{exchange}", "Exchanges captured and buffered for sending.");
        _meter.CreateObservableCounter("experiments.sdk.capture.sent", () => Volatile.Read(ref _capturesSent), "{exchange}", "Captured exchanges acknowledged by ingestion.");
        _meter.CreateObservableCounter("experiments.sdk.capture.dropped", () => Labelled(_capturesDropped, CaptureDropReasons), "{exchange}",
            "Sampled exchanges not delivered: budget (Experiments:Capture:StorageBudgetBytes reached), error (could not be recorded), rejected (invalid), send_failed (not retryable), shutdown (unsent at exit).");
        _meter.CreateObservableCounter("experiments.sdk.replay.refused", () => Labelled(_replayRefused, ReplayRefusals), "{request}",
            "Requests carrying x-experiments-replay-variant whose header was ignored: disabled (replay off or no key), bad_token (missing, expired or not signed for this header), malformed.");
        _meter.CreateObservableCounter("experiments.sdk.replay.served", () => Volatile.Read(ref _replayServed), "{request}", "Verified replays served their forced variants (and not reported).");
        _meter.CreateObservableGauge("experiments.sdk.buffer.size", () => buffer.Count, "{event}", "Events waiting to be sent.");
        _meter.CreateObservableGauge("experiments.sdk.definitions.version", () => definitions.Version, "{version}", "Version of the definitions being evaluated.");
    }

    public TelemetryBuffer Buffer { get; }

    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Every event dropped, whatever the reason.</summary>
    public long Dropped => Buffer.DroppedFull + Volatile.Read(ref _rejected) + Volatile.Read(ref _sendFailed) + Volatile.Read(ref _shutdown);

    public long Exposures => Volatile.Read(ref _exposures);

    public void AddSent(long count) => Interlocked.Add(ref _sent, count);

    public void AddRejected(long count) => Interlocked.Add(ref _rejected, count);

    public void AddSendFailed(long count) => Interlocked.Add(ref _sendFailed, count);

    public void AddShutdown(long count) => Interlocked.Add(ref _shutdown, count);

    public void AddExposure() => Interlocked.Increment(ref _exposures);

    public long Unattributed => Volatile.Read(ref _unattributed);

    public void AddUnattributedCall() => Interlocked.Increment(ref _unattributed);

    public void AddUnmeasurable() => Interlocked.Increment(ref _unmeasurable);

    public void AddDroppedId(IdKind kind, IdProblem problem) => Interlocked.Increment(ref _droppedIds[((int)kind * IdReasons.Length) + (int)problem]);

    public long DroppedIds(IdKind kind, IdProblem problem) => Volatile.Read(ref _droppedIds[((int)kind * IdReasons.Length) + (int)problem]);

    public void AddCaptureRecorded() => Interlocked.Increment(ref _capturesRecorded);

    public void AddCapturesSent(long count) => Interlocked.Add(ref _capturesSent, count);

    public void AddCaptureDropped(CaptureDrop reason, long count = 1) => Interlocked.Add(ref _capturesDropped[(int)reason], count);

    public long CapturesDropped(CaptureDrop reason) => Volatile.Read(ref _capturesDropped[(int)reason]);

    public long CapturesSent => Volatile.Read(ref _capturesSent);

    public long CapturesRecorded => Volatile.Read(ref _capturesRecorded);

    public long ReplayServed => Volatile.Read(ref _replayServed);

    public void AddReplayServed() => Interlocked.Increment(ref _replayServed);

    public void AddReplayRefused(ReplayRefusal reason) => Interlocked.Increment(ref _replayRefused[(int)reason]);

    public long ReplayRefused(ReplayRefusal reason) => Volatile.Read(ref _replayRefused[(int)reason]);

    private static Measurement<long>[] Labelled(long[] counts, string[] reasons)
    {
        var measurements = new Measurement<long>[reasons.Length];
        for (var i = 0; i < reasons.Length; i++)
        {
            measurements[i] = new Measurement<long>(Volatile.Read(ref counts[i]), new KeyValuePair<string, object?>("reason", reasons[i]));
        }
        return measurements;
    }

    private IEnumerable<Measurement<long>> DroppedIds()
    {
        for (var kind = 0; kind < IdKinds.Length; kind++)
        {
            for (var reason = 1; reason < IdReasons.Length; reason++)
            {
                yield return new Measurement<long>(Volatile.Read(ref _droppedIds[(kind * IdReasons.Length) + reason]),
                    new KeyValuePair<string, object?>("kind", IdKinds[kind]), new KeyValuePair<string, object?>("reason", IdReasons[reason]));
            }
        }
    }

    public void Dispose() => _meter.Dispose();
}
