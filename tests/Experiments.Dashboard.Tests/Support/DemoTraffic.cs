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

    private static readonly DemoApi[] DefaultApis = [new(PlaceOrder, 0.5, 38), new(GetQuote, 0.4, 9), new(CancelOrder, 0.1, 22)];
    private static readonly string[] Clients = ["web", "ios", "android", "partner-batch"];
    private readonly Random _random = new(seed);
    private long _next;

    /// <summary>The APIs requests go to, with their shares of the requests and median latencies.</summary>
    public DemoApi[] Apis { get; init; } = DefaultApis;

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
                var (api, median, dependency, measure) = PickApi();
                var latency = median * Math.Exp(level + 0.45 * Normal());
                if (client == "partner-batch" && _random.NextDouble() < 0.08)
                {
                    latency *= 6; // a batch client whose large orders dominate the tail
                }
                if (inTreatment)
                {
                    latency *= TreatmentLatency.GetValueOrDefault(api, 1);
                }
                // A staleness measure is never an error (events.proto); the call it belongs to reports those.
                var error = measure != RequestMeasure.Staleness && _random.NextDouble() < (inTreatment ? TreatmentErrorRate : ControlErrorRate);
                Requests[api] = Requests.GetValueOrDefault(api) + 1;
                events.Add(new Event
                {
                    EventId = NextId(), EventTime = Timestamp.FromDateTimeOffset(at.AddMilliseconds(500 + 900 * r)), UserId = user,
                    Request = new RequestEvent { ApiName = api, LatencyMs = latency, Error = error, StatusCode = error ? 14 : 0, ClientId = client, Dependency = dependency, Measure = measure },
                });
            }
        }
        return events;
    }

    private (string Api, double MedianMs, string Dependency, RequestMeasure Measure) PickApi()
    {
        var u = _random.NextDouble();
        var picked = Apis[^1];
        foreach (var api in Apis)
        {
            if ((u -= api.Share) < 0)
            {
                picked = api;
                break;
            }
        }
        return (picked.Name, picked.MedianMs, picked.Dependency, picked.Measure);
    }

    private string NextId() => $"{experiment.Id}:{_next++}";

    private double Normal()
    {
        var u1 = 1 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>An API of the synthetic traffic: its name, share of requests and median latency; dependency and measure as events.proto has them.</summary>
internal sealed record DemoApi(string Name, double Share, double MedianMs, string Dependency = "", RequestMeasure Measure = RequestMeasure.Call);
