using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Statistics.Tests.Support;

/// <summary>
/// Synthetic telemetry as protobuf events: each user is exposed to an arm at random, then sends 1–5 requests whose
/// latency is log-normal around a per-user level, errors, a day-1 login and a basket value. It also counts what it
/// generated per arm — the reference the verdicts are checked against.
/// </summary>
internal sealed class Traffic(int seed, string experimentId)
{
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Arms = ["control", "treatment"];
    private readonly Random _random = new(seed);
    private long _next;

    /// <summary>Exposure time of the first user; the next ones follow a second apart.</summary>
    public DateTimeOffset Origin { get; init; } = Start;

    /// <summary>Whether users log in a day after exposure (a time ingestion refuses as the future when Origin is now).</summary>
    public bool DayOneLogins { get; init; } = true;

    public double TreatmentLatencyFactor { get; init; } = 1;

    public double TreatmentErrorRate { get; init; } = 0.02;

    public long[] Exposed { get; } = new long[2];

    public long[] Requests { get; } = new long[2];

    public double[] LatencySum { get; } = new double[2];

    public long[] Errors { get; } = new long[2];

    /// <summary>Events of <paramref name="count"/> new users, unit by unit.</summary>
    public List<Event> Users(int count, string prefix = "user-")
    {
        var events = new List<Event>();
        for (var i = 0; i < count; i++)
        {
            events.AddRange(User(prefix + i, Origin.AddSeconds(i)));
        }
        return events;
    }

    public IEnumerable<Event> User(string userId, DateTimeOffset at)
    {
        var arm = _random.Next(2);
        Exposed[arm]++;
        yield return new Event
        {
            EventId = NextId(), EventTime = Timestamp.FromDateTimeOffset(at), UserId = userId,
            Exposure = new ExposureEvent { FlagKey = "flag-" + experimentId, ExperimentId = experimentId, VariantKey = Arms[arm], ExperimentRevision = 1 },
        };
        var level = Math.Log(40) + 0.4 * Normal();
        var requests = 1 + _random.Next(5);
        for (var r = 0; r < requests; r++)
        {
            var latency = Math.Exp(level + 0.5 * Normal()) * (arm == 1 ? TreatmentLatencyFactor : 1);
            var error = _random.NextDouble() < (arm == 1 ? TreatmentErrorRate : 0.02);
            Requests[arm]++;
            LatencySum[arm] += latency;
            Errors[arm] += error ? 1 : 0;
            yield return new Event
            {
                EventId = NextId(), EventTime = Timestamp.FromDateTimeOffset(at.AddMilliseconds(1000 + r)), UserId = userId,
                Request = new RequestEvent { ApiName = TestExperiments.Api, LatencyMs = latency, Error = error, StatusCode = error ? 13 : 0, ClientId = "client-" + _random.Next(4) },
            };
        }
        if (_random.NextDouble() < 0.4 && DayOneLogins)
        {
            yield return new Event
            {
                EventId = NextId(), EventTime = Timestamp.FromDateTimeOffset(at.AddDays(1).AddSeconds(5)), UserId = userId,
                Activity = new ActivityEvent { ActivityName = "login" },
            };
        }
        yield return new Event
        {
            EventId = NextId(), EventTime = Timestamp.FromDateTimeOffset(at.AddSeconds(2)), UserId = userId,
            CustomMetric = new CustomMetricEvent { MetricName = "basket", Value = 20 + 5 * Normal() },
        };
    }

    private string NextId() => experimentId + ":" + _next++;

    private double Normal()
    {
        var u1 = 1 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
