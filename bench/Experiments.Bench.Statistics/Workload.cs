using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Bench.Statistics;

/// <summary>
/// The benchmarks' experiment (six KPIs: mean, p99 and p50 latency, error rate, day-1 retention, a custom metric;
/// users; two arms) and its telemetry: per user an exposure, 1–5 requests with a per-user log-normal latency level,
/// a day-1 login for 40%, a basket value — about 5.4 events per user.
/// </summary>
internal sealed class Workload(int seed, string experimentId = Workload.ExperimentId)
{
    public const string ExperimentId = "bench-6";
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Arms = ["control", "treatment"];
    private readonly Random _random = new(seed);
    private long _next;

    public static Experiment Definition(string id = ExperimentId)
    {
        var experiment = new Experiment
        {
            Id = id, FlagKey = "flag-" + id, RandomizationUnit = RandomizationUnit.User, Status = ExperimentStatus.Running, Revision = 1,
            StartTime = Timestamp.FromDateTimeOffset(Start),
        };
        experiment.Variants.Add(new Variant { Key = "control", Weight = 50, IsControl = true });
        experiment.Variants.Add(new Variant { Key = "treatment", Weight = 50 });
        experiment.Kpis.Add(new Kpi { Key = "mean-latency", Kind = KpiKind.LatencyMean, Role = KpiRole.Primary, ApiName = "orders/Place", Direction = DesiredDirection.Decrease });
        experiment.Kpis.Add(new Kpi { Key = "p99-latency", Kind = KpiKind.LatencyP99, Role = KpiRole.Guardrail, ApiName = "orders/Place", Direction = DesiredDirection.Decrease, Tolerance = 0.05 });
        experiment.Kpis.Add(new Kpi { Key = "p50-all", Kind = KpiKind.LatencyP50, Role = KpiRole.Secondary, Direction = DesiredDirection.Decrease });
        experiment.Kpis.Add(new Kpi { Key = "error-rate", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, Direction = DesiredDirection.Decrease, Tolerance = 0.1 });
        experiment.Kpis.Add(new Kpi { Key = "d1-retention", Kind = KpiKind.RetentionDayN, Role = KpiRole.Secondary, RetentionDay = 1, ActivityName = "login", Direction = DesiredDirection.Increase });
        experiment.Kpis.Add(new Kpi { Key = "basket", Kind = KpiKind.CustomMetric, Role = KpiRole.Secondary, MetricName = "basket", Direction = DesiredDirection.Increase });
        return experiment;
    }

    /// <summary>Whether users log in a day after exposure (ingestion refuses that as the future when the origin is now).</summary>
    public bool DayOneLogins { get; init; } = true;

    public DateTimeOffset Origin { get; init; } = Start;

    public IEnumerable<Event> Users(int first, int count)
    {
        for (var i = first; i < first + count; i++)
        {
            foreach (var e in User("user-" + i, Origin.AddMilliseconds(i * 10L)))
            {
                yield return e;
            }
        }
    }

    public IEnumerable<Event> User(string userId, DateTimeOffset at)
    {
        var arm = _random.Next(2);
        yield return new Event
        {
            EventId = NextId(), EventTime = Timestamp.FromDateTimeOffset(at), UserId = userId,
            Exposure = new ExposureEvent { FlagKey = "flag-" + experimentId, ExperimentId = experimentId, VariantKey = Arms[arm], ExperimentRevision = 1 },
        };
        var level = Math.Log(40) + 0.4 * Normal();
        var requests = 1 + _random.Next(5);
        for (var r = 0; r < requests; r++)
        {
            var error = _random.NextDouble() < 0.02;
            yield return new Event
            {
                EventId = NextId(), EventTime = Timestamp.FromDateTimeOffset(at.AddMilliseconds(1000 + r)), UserId = userId,
                Request = new RequestEvent
                {
                    ApiName = r % 2 == 0 ? "orders/Place" : "quotes/Get", LatencyMs = Math.Exp(level + 0.5 * Normal()), Error = error,
                    StatusCode = error ? 13 : 0, ClientId = "client-" + _random.Next(8),
                },
            };
        }
        if (DayOneLogins && _random.NextDouble() < 0.4)
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
