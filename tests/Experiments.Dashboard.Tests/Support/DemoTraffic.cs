using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Dashboard.Tests.Support;

/// <summary>
/// Synthetic telemetry of one experiment, seeded: each user is exposed to an arm (50/50), then sends 1–6 requests
/// over three APIs with log-normal latency around a per-user level; one client ("partner-batch") is slow. Arms
/// differ by a latency factor per API and an error rate. It counts what it generated, so a test knows when a
/// verdict includes everything.
/// </summary>
internal sealed class DemoTraffic(Experiment experiment, int seed)
{
    public const string PlaceOrder = "orders/Place";
    public const string CancelOrder = "orders/Cancel";
    public const string GetQuote = "quotes/Get";

    private static readonly (string Api, double Share, double MedianMs)[] Apis = [(PlaceOrder, 0.5, 38), (GetQuote, 0.4, 9), (CancelOrder, 0.1, 22)];
    private static readonly string[] Clients = ["web", "ios", "android", "partner-batch"];
    private readonly Random _random = new(seed);
    private long _next;

    /// <summary>Latency multiplier of the treatment on each API (1 = unchanged).</summary>
    public Dictionary<string, double> TreatmentLatency { get; init; } = [];

    public double ControlErrorRate { get; init; } = 0.015;

    public double TreatmentErrorRate { get; init; } = 0.015;

    /// <summary>Requests generated so far, per API.</summary>
    public Dictionary<string, long> Requests { get; } = [];

    public long Users { get; private set; }

    /// <summary>Events of <paramref name="count"/> new users, exposed a few seconds apart from <paramref name="from"/>.</summary>
    public List<Event> NextUsers(int count, DateTimeOffset from)
    {
        var events = new List<Event>();
        var control = experiment.Variants.First(v => v.IsControl).Key;
        var treatment = experiment.Variants.First(v => !v.IsControl).Key;
        for (var i = 0; i < count; i++)
        {
            var user = $"{experiment.Id}-user-{Users++}";
            var at = from.AddSeconds(i * 7);
            var inTreatment = _random.NextDouble() < 0.5;
            events.Add(new Event
            {
                EventId = NextId(), EventTime = Timestamp.FromDateTimeOffset(at), UserId = user,
                Exposure = new ExposureEvent { FlagKey = experiment.FlagKey, ExperimentId = experiment.Id, VariantKey = inTreatment ? treatment : control, ExperimentRevision = experiment.Revision },
            });
            var level = 0.35 * Normal();
            var client = Clients[_random.Next(Clients.Length)];
            var requests = 1 + _random.Next(6);
            for (var r = 0; r < requests; r++)
            {
                var (api, median) = PickApi();
                var latency = median * Math.Exp(level + 0.45 * Normal());
                if (client == "partner-batch" && _random.NextDouble() < 0.08)
                {
                    latency *= 6; // a batch client whose large orders dominate the tail
                }
                if (inTreatment)
                {
                    latency *= TreatmentLatency.GetValueOrDefault(api, 1);
                }
                var error = _random.NextDouble() < (inTreatment ? TreatmentErrorRate : ControlErrorRate);
                Requests[api] = Requests.GetValueOrDefault(api) + 1;
                events.Add(new Event
                {
                    EventId = NextId(), EventTime = Timestamp.FromDateTimeOffset(at.AddMilliseconds(500 + 900 * r)), UserId = user,
                    Request = new RequestEvent { ApiName = api, LatencyMs = latency, Error = error, StatusCode = error ? 14 : 0, ClientId = client },
                });
            }
        }
        return events;
    }

    private (string Api, double MedianMs) PickApi()
    {
        var u = _random.NextDouble();
        foreach (var (api, share, median) in Apis)
        {
            if ((u -= share) < 0)
            {
                return (api, median);
            }
        }
        return (Apis[^1].Api, Apis[^1].MedianMs);
    }

    private string NextId() => $"{experiment.Id}:{_next++}";

    private double Normal()
    {
        var u1 = 1 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
