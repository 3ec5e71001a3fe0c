using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Ingestion.Tests.Support;

/// <summary>Valid events of each kind, to be spoiled one field at a time by tests.</summary>
internal static class TestEvents
{
    public static Event Request(string id, string user = "user-1", double latencyMs = 12.5, DateTimeOffset? at = null) => new()
    {
        EventId = id,
        EventTime = Timestamp.FromDateTimeOffset(at ?? DateTimeOffset.UtcNow),
        UserId = user,
        Request = new RequestEvent { ApiName = "orders.v1.Orders/PlaceOrder", LatencyMs = latencyMs, StatusCode = 0, ClientId = "web" },
    };

    public static Event Exposure(string id, string user = "user-1") => new()
    {
        EventId = id,
        EventTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        UserId = user,
        Exposure = new ExposureEvent { FlagKey = "matching-engine", ExperimentId = "exp-1", VariantKey = "treatment", ExperimentRevision = 3 },
    };

    public static Event Activity(string id, string user = "user-1") => new()
    {
        EventId = id,
        EventTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        SessionId = "session-" + user,
        Activity = new ActivityEvent { ActivityName = "login" },
    };

    public static Event Metric(string id, double value, string user = "user-1") => new()
    {
        EventId = id,
        EventTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        RequestId = "request-" + user,
        CustomMetric = new CustomMetricEvent { MetricName = "basket-size", Value = value },
    };

    public static EventBatch Batch(long sequence, params Event[] events)
    {
        var batch = new EventBatch { Sequence = sequence, Source = "tests" };
        batch.Events.AddRange(events);
        return batch;
    }

    /// <summary>A batch of request events with ids <c>{prefix}-{first}</c> … of consecutive numbers.</summary>
    public static EventBatch Requests(long sequence, string prefix, int first, int count)
    {
        var batch = new EventBatch { Sequence = sequence, Source = "tests" };
        for (var i = first; i < first + count; i++)
        {
            batch.Events.Add(Request($"{prefix}-{i}", "user-" + (i % 97)));
        }
        return batch;
    }
}
