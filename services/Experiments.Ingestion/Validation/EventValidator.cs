using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Validation;

/// <summary>
/// Checks one event against the contract (events.proto) and the configured limits. The first rule an event
/// breaks is reported; an event that passes is safe to store and to count.
/// </summary>
public sealed class EventValidator(IOptionsMonitor<ValidationOptions> options, TimeProvider time)
{
    // Timestamp's documented range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
    private const long MinSeconds = -62_135_596_800;
    private const long MaxSeconds = 253_402_300_799;

    /// <summary>Null when the event is valid; otherwise why not.</summary>
    public EventRejectionInfo? Validate(Event e, int index)
    {
        var limits = options.CurrentValue;
        var id = e.EventId;
        if (id.Length == 0)
        {
            return Reject(index, e, EventRejectionReason.MissingEventId, "event_id", "event_id is required");
        }
        if (id.Length > limits.MaxEventIdLength)
        {
            return TooLong(index, e, "event_id", limits.MaxEventIdLength);
        }
        if (e.UserId.Length == 0 && e.SessionId.Length == 0 && e.RequestId.Length == 0)
        {
            return Reject(index, e, EventRejectionReason.MissingUnitId, "user_id", "at least one of user_id, session_id, request_id is required");
        }
        if (e.UserId.Length > limits.MaxUnitIdLength)
        {
            return TooLong(index, e, "user_id", limits.MaxUnitIdLength);
        }
        if (e.SessionId.Length > limits.MaxUnitIdLength)
        {
            return TooLong(index, e, "session_id", limits.MaxUnitIdLength);
        }
        if (e.RequestId.Length > limits.MaxUnitIdLength)
        {
            return TooLong(index, e, "request_id", limits.MaxUnitIdLength);
        }
        if (CheckTime(e, index, limits) is { } timeProblem)
        {
            return timeProblem;
        }
        return e.KindCase switch
        {
            Event.KindOneofCase.Exposure => CheckExposure(e, index, limits),
            Event.KindOneofCase.Request => CheckRequest(e, index, limits),
            Event.KindOneofCase.Activity => CheckName(e, index, "activity.activity_name", e.Activity.ActivityName, limits),
            Event.KindOneofCase.CustomMetric => CheckCustomMetric(e, index, limits),
            _ => Reject(index, e, EventRejectionReason.MissingKind, "kind",
                "exactly one of exposure, request, activity, custom_metric is required (or the event has a kind this server does not know)"),
        };
    }

    private EventRejectionInfo? CheckTime(Event e, int index, ValidationOptions limits)
    {
        var t = e.EventTime;
        if (t is null)
        {
            return Reject(index, e, EventRejectionReason.MissingEventTime, "event_time", "event_time is required");
        }
        if (t.Seconds < MinSeconds || t.Seconds > MaxSeconds || t.Nanos < 0 || t.Nanos > 999_999_999)
        {
            return Reject(index, e, EventRejectionReason.MissingEventTime, "event_time", "event_time is not a valid timestamp");
        }
        var now = time.GetUtcNow();
        var when = DateTimeOffset.UnixEpoch.AddSeconds(t.Seconds).AddTicks(t.Nanos / 100);
        if (when < now - limits.MaxEventAge)
        {
            return Reject(index, e, EventRejectionReason.EventTimeOutOfRange, "event_time",
                $"event_time {Format(t)} is more than {limits.MaxEventAge} in the past");
        }
        if (when > now + limits.MaxClockSkew)
        {
            return Reject(index, e, EventRejectionReason.EventTimeOutOfRange, "event_time",
                $"event_time {Format(t)} is more than {limits.MaxClockSkew} in the future");
        }
        return null;
    }

    private static EventRejectionInfo? CheckExposure(Event e, int index, ValidationOptions limits)
    {
        var x = e.Exposure;
        // The experiment and variant are what statistics joins on; the flag key is informational.
        return (x.FlagKey.Length > limits.MaxNameLength ? TooLong(index, e, "exposure.flag_key", limits.MaxNameLength) : (EventRejectionInfo?)null)
            ?? CheckName(e, index, "exposure.experiment_id", x.ExperimentId, limits)
            ?? CheckName(e, index, "exposure.variant_key", x.VariantKey, limits)
            ?? (x.ExperimentRevision < 0
                ? Reject(index, e, EventRejectionReason.InvalidValue, "exposure.experiment_revision", "experiment_revision must be >= 0")
                : (EventRejectionInfo?)null);
    }

    private static EventRejectionInfo? CheckRequest(Event e, int index, ValidationOptions limits)
    {
        var r = e.Request;
        if (CheckName(e, index, "request.api_name", r.ApiName, limits) is { } nameProblem)
        {
            return nameProblem;
        }
        if (!double.IsFinite(r.LatencyMs) || r.LatencyMs < 0)
        {
            return Reject(index, e, EventRejectionReason.InvalidValue, "request.latency_ms", "latency_ms must be finite and >= 0");
        }
        if (r.LatencyMs > limits.MaxLatencyMs)
        {
            return Reject(index, e, EventRejectionReason.InvalidValue, "request.latency_ms",
                string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"latency_ms {r.LatencyMs} is above the limit of {limits.MaxLatencyMs} ms (Ingestion:Validation:MaxLatencyMs)"));
        }
        if (r.StatusCode is not (>= 0 and <= 16) and not (>= 100 and <= 599))
        {
            return Reject(index, e, EventRejectionReason.InvalidValue, "request.status_code",
                "status_code must be a gRPC status (0-16) or an HTTP status (100-599)");
        }
        if (!System.Enum.IsDefined(r.Measure))
        {
            return Reject(index, e, EventRejectionReason.InvalidValue, "request.measure", "measure must be a RequestMeasure value (0-2)");
        }
        if (r.Dependency.Length > limits.MaxNameLength)
        {
            return TooLong(index, e, "request.dependency", limits.MaxNameLength);
        }
        return r.ClientId.Length > limits.MaxNameLength ? TooLong(index, e, "request.client_id", limits.MaxNameLength) : null;
    }

    private static EventRejectionInfo? CheckCustomMetric(Event e, int index, ValidationOptions limits)
    {
        var m = e.CustomMetric;
        return CheckName(e, index, "custom_metric.metric_name", m.MetricName, limits)
            ?? (double.IsFinite(m.Value) ? (EventRejectionInfo?)null : Reject(index, e, EventRejectionReason.InvalidValue, "custom_metric.value", "value must be finite"));
    }

    private static EventRejectionInfo? CheckName(Event e, int index, string field, string value, ValidationOptions limits)
    {
        if (value.Length == 0)
        {
            return Reject(index, e, EventRejectionReason.MissingField, field, field[(field.IndexOf('.') + 1)..] + " is required");
        }
        return value.Length > limits.MaxNameLength ? TooLong(index, e, field, limits.MaxNameLength) : null;
    }

    private static EventRejectionInfo TooLong(int index, Event e, string field, int max) =>
        Reject(index, e, EventRejectionReason.TooLong, field, $"{field} is longer than {max} characters");

    private static EventRejectionInfo Reject(int index, Event e, EventRejectionReason reason, string field, string message) =>
        new(index, e.EventId.Length > 256 ? e.EventId[..256] : e.EventId, reason, field, message);

    private static string Format(Timestamp t) => t.ToDateTimeOffset().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
