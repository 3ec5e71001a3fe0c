using Experiments.Contracts.V1;
using Experiments.Statistics.Engine.Aggregation;

namespace Experiments.Statistics.Intake;

/// <summary>Maps a logged protobuf Event to the engine's event.</summary>
internal static class EventMapping
{
    public static TelemetryEvent? ToTelemetry(Event e)
    {
        if (e.EventTime is null)
        {
            return null;
        }
        var time = e.EventTime.Seconds * 1000 + e.EventTime.Nanos / 1_000_000;
        var common = new TelemetryEvent
        {
            EventId = e.EventId,
            TimeUnixMs = time,
            Kind = TelemetryKind.Request,
            UserId = e.UserId,
            SessionId = e.SessionId,
            RequestId = e.RequestId,
        };
        return e.KindCase switch
        {
            Event.KindOneofCase.Exposure => common with
            {
                Kind = TelemetryKind.Exposure, ExperimentId = e.Exposure.ExperimentId, VariantKey = e.Exposure.VariantKey,
            },
            Event.KindOneofCase.Request => common with
            {
                ApiName = e.Request.ApiName, LatencyMs = e.Request.LatencyMs, Error = e.Request.Error, ClientId = e.Request.ClientId,
                NamedApiOnly = e.Request.Dependency.Length != 0 || e.Request.Measure != RequestMeasure.Call,
            },
            Event.KindOneofCase.Activity => common with { Kind = TelemetryKind.Activity, Name = e.Activity.ActivityName },
            Event.KindOneofCase.CustomMetric => common with
            {
                Kind = TelemetryKind.CustomMetric, Name = e.CustomMetric.MetricName, Value = e.CustomMetric.Value,
            },
            _ => null,
        };
    }
}
