using Experiments.Statistics.Engine.Aggregation;

namespace Experiments.Statistics.Engine.Tests.Simulation.Verdicts;

/// <summary>
/// Units of a user-randomized experiment with one primary and two guardrails, each a per-unit custom metric whose
/// treatment effect is a factor (so both arms keep the same relative variance, the planning assumption): an order
/// value per unit (primary, higher is better), a latency per unit (guardrail, log-normal) and errors per unit
/// (guardrail, binomial counts).
/// </summary>
internal sealed class GuardedTraffic(int seed)
{
    public const string Id = "guarded";
    public const double ValueSigma = 0.6;
    public const double LatencySigma = 0.3;
    public const int ErrorTrials = 10;
    public const double ErrorProbability = 0.1;

    private readonly Random _random = new(seed);
    private int _units;
    private long _ids;

    /// <summary>Treatment's order value over the control's.</summary>
    public double ValueFactor { get; init; } = 1;

    /// <summary>Treatment's latency over the control's.</summary>
    public double LatencyFactor { get; init; } = 1;

    /// <summary>Treatment's error probability over the control's.</summary>
    public double ErrorFactor { get; init; } = 1;

    /// <summary>Per-unit relative variances (CV²) of the three metrics, for planning.</summary>
    public static double ValueCv2 => Math.Exp(ValueSigma * ValueSigma) - 1;

    public static double LatencyCv2 => Math.Exp(LatencySigma * LatencySigma) - 1;

    public static double ErrorCv2 => (1 - ErrorProbability) / (ErrorTrials * ErrorProbability);

    public static ExperimentDefinition Definition(double latencyTolerance, double errorTolerance, long nStar) =>
        new(Id, 1, RandomizationUnitKind.User,
            [new VariantDefinition("control", 1, true), new VariantDefinition("treatment", 1, false)],
            [
                new MetricDefinition("value", MetricKind.CustomMetric, MetricRole.Primary) { MetricName = "value" },
                new MetricDefinition("latency", MetricKind.CustomMetric, MetricRole.Guardrail)
                    { MetricName = "latency", Direction = DesiredDirection.Decrease, Tolerance = latencyTolerance },
                new MetricDefinition("errors", MetricKind.CustomMetric, MetricRole.Guardrail)
                    { MetricName = "errors", Direction = DesiredDirection.Decrease, Tolerance = errorTolerance },
            ])
        {
            MinimumDetectableEffect = 0.1,
            SequentialNStar = nStar,
        };

    public void Apply(ShardAggregator shard, int units)
    {
        for (var i = 0; i < units; i++, _units++)
        {
            var unit = "u" + _units;
            var time = 1_740_787_200_000L + _units * 100L;
            var treatment = _random.Next(2) == 1;
            shard.Apply(new TelemetryEvent
            {
                EventId = "e" + _ids++, TimeUnixMs = time, Kind = TelemetryKind.Exposure, UserId = unit,
                ExperimentId = Id, VariantKey = treatment ? "treatment" : "control",
            });
            var value = Math.Exp(ValueSigma * Normal()) * (treatment ? ValueFactor : 1);
            var latency = 50 * Math.Exp(LatencySigma * Normal()) * (treatment ? LatencyFactor : 1);
            var errorProbability = ErrorProbability * (treatment ? ErrorFactor : 1);
            var errors = 0;
            for (var t = 0; t < ErrorTrials; t++)
            {
                errors += _random.NextDouble() < errorProbability ? 1 : 0;
            }
            Custom(shard, unit, time + 1, "value", value);
            Custom(shard, unit, time + 2, "latency", latency);
            Custom(shard, unit, time + 3, "errors", errors);
        }
    }

    private void Custom(ShardAggregator shard, string unit, long time, string name, double value) =>
        shard.Apply(new TelemetryEvent
        {
            EventId = "e" + _ids++, TimeUnixMs = time, Kind = TelemetryKind.CustomMetric, UserId = unit, Name = name, Value = value,
        });

    private double Normal() => Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}
