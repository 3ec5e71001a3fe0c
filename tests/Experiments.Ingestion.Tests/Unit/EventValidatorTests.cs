using Experiments.Contracts.V1;
using Experiments.Ingestion.Tests.Support;
using Experiments.Ingestion.Validation;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Tests.Unit;

public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static EventValidator Validator(ValidationOptions? options = null) =>
        new(new StaticOptions<ValidationOptions>(options ?? new ValidationOptions()), new ManualTimeProvider(Now));

    private static Event Valid() => TestEvents.Request("e-1", at: Now);

    [Fact]
    public void Valid_events_of_every_kind_pass()
    {
        var validator = Validator();
        foreach (var e in new[] { Valid(), TestEvents.Exposure("x"), TestEvents.Activity("a"), TestEvents.Metric("m", -3.5) })
        {
            e.EventTime = Timestamp.FromDateTimeOffset(Now);
            Assert.Null(validator.Validate(e, 0));
        }
    }

    public static TheoryData<string, EventRejectionReason, string> BadEvents => new()
    {
        { "no event id", EventRejectionReason.MissingEventId, "event_id" },
        { "long event id", EventRejectionReason.TooLong, "event_id" },
        { "no unit", EventRejectionReason.MissingUnitId, "user_id" },
        { "long session id", EventRejectionReason.TooLong, "session_id" },
        { "no time", EventRejectionReason.MissingEventTime, "event_time" },
        { "invalid time", EventRejectionReason.MissingEventTime, "event_time" },
        { "too old", EventRejectionReason.EventTimeOutOfRange, "event_time" },
        { "too far ahead", EventRejectionReason.EventTimeOutOfRange, "event_time" },
        { "no kind", EventRejectionReason.MissingKind, "kind" },
        { "unknown kind", EventRejectionReason.MissingKind, "kind" },
        { "NaN latency", EventRejectionReason.InvalidValue, "request.latency_ms" },
        { "negative latency", EventRejectionReason.InvalidValue, "request.latency_ms" },
        { "infinite latency", EventRejectionReason.InvalidValue, "request.latency_ms" },
        { "bad status", EventRejectionReason.InvalidValue, "request.status_code" },
        { "no api", EventRejectionReason.MissingField, "request.api_name" },
        { "long api", EventRejectionReason.TooLong, "request.api_name" },
        { "long client", EventRejectionReason.TooLong, "request.client_id" },
        { "no variant", EventRejectionReason.MissingField, "exposure.variant_key" },
        { "no experiment", EventRejectionReason.MissingField, "exposure.experiment_id" },
        { "negative revision", EventRejectionReason.InvalidValue, "exposure.experiment_revision" },
        { "no activity name", EventRejectionReason.MissingField, "activity.activity_name" },
        { "infinite metric", EventRejectionReason.InvalidValue, "custom_metric.value" },
    };

    [Theory]
    [MemberData(nameof(BadEvents))]
    public void Bad_event_is_rejected_with_its_reason_field_and_index(string problem, EventRejectionReason reason, string field)
    {
        var e = Spoil(problem);

        var rejection = Validator().Validate(e, 7);

        Assert.NotNull(rejection);
        Assert.Equal(reason, rejection.Value.Reason);
        Assert.Equal(field, rejection.Value.Field);
        Assert.Equal(7, rejection.Value.Index);
        Assert.Equal(e.EventId, rejection.Value.EventId);
        Assert.False(string.IsNullOrWhiteSpace(rejection.Value.Message));
    }

    [Fact]
    public void Limits_come_from_options()
    {
        var e = Valid();
        e.UserId = new string('u', 20);

        Assert.Null(Validator().Validate(e, 0));
        Assert.Equal(EventRejectionReason.TooLong, Validator(new ValidationOptions { MaxUnitIdLength = 10 }).Validate(e, 0)?.Reason);
    }

    [Fact]
    public void Event_time_window_edges_are_inclusive()
    {
        var options = new ValidationOptions();
        var e = Valid();
        e.EventTime = Timestamp.FromDateTimeOffset(Now - options.MaxEventAge);
        Assert.Null(Validator().Validate(e, 0));
        e.EventTime = Timestamp.FromDateTimeOffset(Now + options.MaxClockSkew);
        Assert.Null(Validator().Validate(e, 0));
    }

    private static Event Spoil(string problem)
    {
        var e = Valid();
        switch (problem)
        {
            case "no event id": e.EventId = ""; break;
            case "long event id": e.EventId = new string('x', 129); break;
            case "no unit": e.UserId = ""; break;
            case "long session id": e.SessionId = new string('s', 257); break;
            case "no time": e.EventTime = null; break;
            case "invalid time": e.EventTime = new Timestamp { Seconds = 1, Nanos = -5 }; break;
            case "too old": e.EventTime = Timestamp.FromDateTimeOffset(Now - TimeSpan.FromDays(8)); break;
            case "too far ahead": e.EventTime = Timestamp.FromDateTimeOffset(Now + TimeSpan.FromMinutes(6)); break;
            case "no kind": e.ClearKind(); break;
            case "unknown kind":
                // A newer client's kind (field 15) arrives as an unknown field: no known kind is set.
                e.ClearKind();
                e = Event.Parser.ParseFrom([.. Google.Protobuf.MessageExtensions.ToByteArray(e), 0x7A, 0x02, 0x08, 0x01]);
                break;
            case "NaN latency": e.Request.LatencyMs = double.NaN; break;
            case "negative latency": e.Request.LatencyMs = -0.001; break;
            case "infinite latency": e.Request.LatencyMs = double.PositiveInfinity; break;
            case "bad status": e.Request.StatusCode = 42; break;
            case "no api": e.Request.ApiName = ""; break;
            case "long api": e.Request.ApiName = new string('a', 257); break;
            case "long client": e.Request.ClientId = new string('c', 257); break;
            case "no variant": e = TestEvents.Exposure("x"); e.Exposure.VariantKey = ""; break;
            case "no experiment": e = TestEvents.Exposure("x"); e.Exposure.ExperimentId = ""; break;
            case "negative revision": e = TestEvents.Exposure("x"); e.Exposure.ExperimentRevision = -1; break;
            case "no activity name": e = TestEvents.Activity("a"); e.Activity.ActivityName = ""; break;
            case "infinite metric": e = TestEvents.Metric("m", double.NegativeInfinity); break;
            default: throw new ArgumentException(problem);
        }
        if (e.EventTime is not null && problem is not ("too old" or "too far ahead" or "invalid time"))
        {
            e.EventTime = Timestamp.FromDateTimeOffset(Now);
        }
        return e;
    }
}

internal sealed class StaticOptions<T>(T value) : IOptionsMonitor<T>, IOptions<T>
    where T : class
{
    public T CurrentValue => value;

    public T Value => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
