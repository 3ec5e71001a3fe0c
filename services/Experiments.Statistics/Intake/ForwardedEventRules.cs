using System.Globalization;
using Experiments.Contracts.V1;

namespace Experiments.Statistics.Intake;

/// <summary>
/// What statistics checks before it applies a forwarded event, whoever sent it: ingestion validated it already, but
/// StatisticsIntake is a second door, and one non-finite latency or untimed event would poison an arm's figures for
/// good (checkpoints keep it). The rules are the ones the engine relies on; ingestion's own are stricter.
/// </summary>
internal static class ForwardedEventRules
{
    // Timestamp's documented range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
    private const long MinSeconds = -62_135_596_800;
    private const long MaxSeconds = 253_402_300_799;

    /// <summary>The first broken rule of any event, or null when every event may be applied.</summary>
    public static ForwardedEventViolation? Check(IReadOnlyList<LoggedEvent> events, double maxLatencyMs)
    {
        for (var i = 0; i < events.Count; i++)
        {
            if (Check(events[i].Event, maxLatencyMs) is { } problem)
            {
                var path = string.Create(CultureInfo.InvariantCulture, $"events[{i}].event");
                return new ForwardedEventViolation(problem.Field.Length == 0 ? path : path + "." + problem.Field, problem.Description, events[i].Position);
            }
        }
        return null;
    }

    private static (string Field, string Description)? Check(Event? e, double maxLatencyMs)
    {
        if (e is null)
        {
            return ("", "is required");
        }
        if (e.EventId.Length == 0)
        {
            return ("event_id", "is required");
        }
        if (e.UserId.Length == 0 && e.SessionId.Length == 0 && e.RequestId.Length == 0)
        {
            return ("user_id", "at least one of user_id, session_id, request_id is required");
        }
        if (e.EventTime is not { } t)
        {
            return ("event_time", "is required");
        }
        if (t.Seconds is < MinSeconds or > MaxSeconds || t.Nanos is < 0 or > 999_999_999)
        {
            return ("event_time", "is not a valid timestamp (0001-01-01 to 9999-12-31, nanos 0-999999999)");
        }
        return e.KindCase switch
        {
            Event.KindOneofCase.Exposure when e.Exposure.ExperimentId.Length == 0 => ("exposure.experiment_id", "is required"),
            Event.KindOneofCase.Exposure when e.Exposure.VariantKey.Length == 0 => ("exposure.variant_key", "is required"),
            Event.KindOneofCase.Request => CheckRequest(e.Request, maxLatencyMs),
            Event.KindOneofCase.Activity when e.Activity.ActivityName.Length == 0 => ("activity.activity_name", "is required"),
            Event.KindOneofCase.CustomMetric when e.CustomMetric.MetricName.Length == 0 => ("custom_metric.metric_name", "is required"),
            Event.KindOneofCase.CustomMetric when !double.IsFinite(e.CustomMetric.Value) => ("custom_metric.value", "must be finite"),
            Event.KindOneofCase.None => ("kind", "exactly one of exposure, request, activity, custom_metric is required"),
            _ => null,
        };
    }

    private static (string Field, string Description)? CheckRequest(RequestEvent request, double maxLatencyMs)
    {
        if (request.ApiName.Length == 0)
        {
            return ("request.api_name", "is required");
        }
        if (!double.IsFinite(request.LatencyMs) || request.LatencyMs < 0 || request.LatencyMs > maxLatencyMs)
        {
            return ("request.latency_ms", string.Create(CultureInfo.InvariantCulture,
                $"must be finite and between 0 and {maxLatencyMs} (Statistics:MaxLatencyMs), got {request.LatencyMs}"));
        }
        return null;
    }
}

/// <summary>The event a batch was refused for: its field path in the ForwardRequest, why, and its log position.</summary>
internal sealed record ForwardedEventViolation(string Field, string Description, long Position);

/// <summary>A forwarded batch held an event statistics will not apply; nothing of the batch was applied.</summary>
internal sealed class InvalidForwardedEventException(ForwardedEventViolation violation)
    : Exception($"{violation.Field}: {violation.Description} (log position {violation.Position.ToString(CultureInfo.InvariantCulture)})")
{
    public ForwardedEventViolation Violation { get; } = violation;
}
