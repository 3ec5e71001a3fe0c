using Experiments.Statistics.Engine.Aggregation;

namespace Experiments.Statistics.Engine.Tests.Unit.Aggregation;

/// <summary>
/// Synthetic telemetry: units exposed to a variant by weight, then requests whose latency is log-normal with a
/// per-unit level (so requests of a unit are correlated), errors, activity and a custom metric.
/// </summary>
internal sealed class TrafficGenerator(int seed, string experimentId = "exp", double[]? weights = null)
{
    private readonly Random _random = new(seed);
    private readonly double[] _weights = weights ?? [1, 1];
    private long _next;

    public static readonly long Start = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>Multiplies treatment (arm 1) latencies by this factor.</summary>
    public double TreatmentLatencyFactor { get; init; } = 1;

    /// <summary>Adds this many milliseconds to treatment latencies (clamped at 0): an effect that leaves the per-unit variance unchanged.</summary>
    public double TreatmentLatencyShiftMs { get; init; }

    public int RequestsPerUnit { get; init; } = 3;

    public string[] VariantKeys { get; init; } = ["control", "treatment"];

    public IEnumerable<TelemetryEvent> Unit(string unitId, long timeMs)
    {
        var arm = PickArm();
        yield return new TelemetryEvent
        {
            EventId = NextId(), TimeUnixMs = timeMs, Kind = TelemetryKind.Exposure, UserId = unitId,
            ExperimentId = experimentId, VariantKey = VariantKeys[arm],
        };
        var level = Math.Log(50) + 0.5 * Normal();
        var errorRate = Math.Clamp(0.02 * Math.Exp(0.5 * Normal()), 0, 1);
        var requests = 1 + _random.Next(2 * RequestsPerUnit - 1);
        for (var r = 0; r < requests; r++)
        {
            var latency = Math.Exp(level + 0.5 * Normal()) * (arm == 1 ? TreatmentLatencyFactor : 1);
            if (arm == 1)
            {
                latency = Math.Max(0, latency + TreatmentLatencyShiftMs);
            }
            yield return new TelemetryEvent
            {
                EventId = NextId(), TimeUnixMs = timeMs + 1000 + r, Kind = TelemetryKind.Request, UserId = unitId,
                ApiName = r % 2 == 0 ? "orders/Place" : "quotes/Get", LatencyMs = latency,
                Error = _random.NextDouble() < errorRate, ClientId = "client-" + _random.Next(5),
            };
        }
        if (_random.NextDouble() < 0.4)
        {
            yield return new TelemetryEvent
            {
                EventId = NextId(), TimeUnixMs = timeMs + 86_400_000L + 5000, Kind = TelemetryKind.Activity, UserId = unitId, Name = "login",
            };
        }
        yield return new TelemetryEvent
        {
            EventId = NextId(), TimeUnixMs = timeMs + 2000, Kind = TelemetryKind.CustomMetric, UserId = unitId, Name = "basket", Value = 20 + 5 * Normal(),
        };
    }

    public List<TelemetryEvent> Units(int count, string prefix = "u", long? startMs = null)
    {
        var events = new List<TelemetryEvent>();
        for (var i = 0; i < count; i++)
        {
            events.AddRange(Unit(prefix + i, (startMs ?? Start) + i * 10L));
        }
        return events;
    }

    private int PickArm()
    {
        var x = _random.NextDouble() * _weights.Sum();
        for (var i = 0; i < _weights.Length; i++)
        {
            x -= _weights[i];
            if (x < 0)
            {
                return i;
            }
        }
        return _weights.Length - 1;
    }

    private string NextId() => experimentId + ":" + _next++;

    private double Normal()
    {
        var u1 = 1 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
