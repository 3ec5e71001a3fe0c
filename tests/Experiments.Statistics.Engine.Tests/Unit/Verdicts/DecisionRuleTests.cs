using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.Tests.Unit.Aggregation;
using Experiments.Statistics.Engine.Tests.Simulation.Verdicts;
using Experiments.Statistics.Engine.Verdicts;

namespace Experiments.Statistics.Engine.Tests.Unit.Verdicts;

public sealed class DecisionRuleTests
{
    private const double Alpha = 0.05;

    private static VerdictResult Verdict(GuardedTraffic traffic, int units, GuardrailBreach? earlier = null, ShipDecision? earlierShip = null)
    {
        var shard = new ShardAggregator(eventIdWindow: 1_000);
        var experiment = shard.Define(GuardedTraffic.Definition(0.10, 0.30, 3_000));
        traffic.Apply(shard, units);
        return VerdictEngine.Evaluate(experiment.Snapshot(), DateTimeOffset.UnixEpoch, earlier, earlierShip);
    }

    [Fact]
    public void A_ship_stays_when_a_later_look_alone_would_not_ship()
    {
        var shipped = Verdict(new GuardedTraffic(3) { ValueFactor = 1.6 }, 4_000);
        Assert.Equal(VerdictDecisionKind.Ship, shipped.Decision);
        var ship = Assert.IsType<ShipDecision>(shipped.Ship);
        Assert.Equal("treatment", ship.VariantKey);

        // An A/A look with few units: on its own KEEP_RUNNING.
        Assert.Equal(VerdictDecisionKind.KeepRunning, Verdict(new GuardedTraffic(4), 300).Decision);
        var later = Verdict(new GuardedTraffic(4), 300, earlierShip: ship);

        Assert.Equal(VerdictDecisionKind.Ship, later.Decision);
        Assert.Equal("treatment", later.WinningVariantKey);
        Assert.Same(ship, later.Ship);
        Assert.Contains(later.Reasons, r => r.StartsWith("SHIP since 2025-03-01", StringComparison.Ordinal));
    }

    [Fact]
    public void A_guardrail_shown_beyond_its_tolerance_after_a_ship_turns_it_into_a_roll_back()
    {
        var ship = Assert.IsType<ShipDecision>(Verdict(new GuardedTraffic(3) { ValueFactor = 1.6 }, 4_000).Ship);

        var harmed = Verdict(new GuardedTraffic(1) { LatencyFactor = 1.5 }, 2_000, earlierShip: ship);

        Assert.Equal(VerdictDecisionKind.RollBack, harmed.Decision);
        Assert.Null(harmed.WinningVariantKey);
        Assert.Equal("latency", harmed.Breach?.MetricKey);
        Assert.Contains(harmed.Reasons, r => r.Contains("a guardrail shown beyond its tolerance overrides it", StringComparison.Ordinal));
    }

    [Fact]
    public void A_roll_back_stays_when_a_later_look_no_longer_shows_the_breach()
    {
        var harmful = Verdict(new GuardedTraffic(1) { LatencyFactor = 1.5 }, 2_000);
        Assert.Equal(VerdictDecisionKind.RollBack, harmful.Decision);
        var breach = Assert.IsType<GuardrailBreach>(harmful.Breach);
        Assert.Equal("latency", breach.MetricKey);

        var later = Verdict(new GuardedTraffic(2), 2_000, breach);

        Assert.NotEqual(GuardrailStatus.BeyondTolerance, later.Metrics.Single(m => m.Metric.Key == "latency").Comparisons.Single().Guardrail);
        Assert.Equal(VerdictDecisionKind.RollBack, later.Decision);
        Assert.Same(breach, later.Breach);
        Assert.Contains(later.Reasons, r => r.StartsWith("ROLL_BACK since 2025-03-01", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unharmed_guardrail_blocks_SHIP_until_its_interval_lies_within_the_tolerance()
    {
        // Few units: the primary's +60% is significant, but the guardrails' intervals still reach past their tolerances.
        var early = Verdict(new GuardedTraffic(3) { ValueFactor = 1.6 }, 300);
        Assert.Equal(MetricDecision.Better, early.Metrics.Single(m => m.Metric.Key == "value").Decision);
        Assert.Contains(early.Metrics.Where(m => m.Metric.Role == MetricRole.Guardrail), m => m.Comparisons.Single().Guardrail == GuardrailStatus.NotYetShown);
        Assert.Equal(VerdictDecisionKind.KeepRunning, early.Decision);
        Assert.Contains(early.Reasons, r => r.StartsWith("do not ship treatment yet: guardrail", StringComparison.Ordinal) && r.Contains(": not yet shown within its", StringComparison.Ordinal));

        var late = Verdict(new GuardedTraffic(3) { ValueFactor = 1.6 }, 4_000);
        Assert.All(late.Metrics.Where(m => m.Metric.Role == MetricRole.Guardrail), m => Assert.Equal(GuardrailStatus.WithinTolerance, m.Comparisons.Single().Guardrail));
        Assert.Equal(VerdictDecisionKind.Ship, late.Decision);
    }

    [Fact]
    public void The_decision_interval_and_the_decision_p_value_never_disagree()
    {
        var checkedComparisons = 0;
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var traffic = new GuardedTraffic(seed)
            {
                ValueFactor = 0.8 + 0.4 * random.NextDouble(), LatencyFactor = 0.8 + 0.5 * random.NextDouble(), ErrorFactor = 0.6 + 1.2 * random.NextDouble(),
            };
            var verdict = Verdict(traffic, 100 + random.Next(2_000));
            foreach (var metric in verdict.Metrics)
            {
                foreach (var c in metric.Comparisons.Where(c => Math.Abs(c.DecisionPValue - Alpha) > 1e-9))
                {
                    checkedComparisons++;
                    var significant = c.DecisionPValue <= Alpha;
                    if (metric.Metric.Role == MetricRole.Guardrail)
                    {
                        Assert.Equal(significant, c.Guardrail != GuardrailStatus.NotYetShown);
                    }
                    else
                    {
                        Assert.Equal(significant, c.DecisionInterval.ExcludesZero);
                        Assert.Equal(significant, c.Decision is MetricDecision.Better or MetricDecision.Worse);
                    }
                    Assert.True(c.DecisionInterval.Lower > -1, $"{metric.Metric.Key}: {c.DecisionInterval}");
                    Assert.True(c.Sequential.RelativeCi.ExcludesZero == c.Sequential.PValue <= Alpha || Math.Abs(c.Sequential.PValue - Alpha) < 1e-9);
                }
            }
        }
        Assert.True(checkedComparisons > 500);
    }

    [Fact]
    public void Elapsed_time_is_event_time_from_the_first_exposure_even_when_the_start_was_recorded_later()
    {
        var shard = new ShardAggregator(eventIdWindow: 1_000);
        // Started (wall clock) long after the events' own times, as with backfilled or simulated days.
        var experiment = shard.Define(GuardedTraffic.Definition(0.10, 0.30, 3_000) with { StartTime = DateTimeOffset.UnixEpoch.AddYears(60) });
        new GuardedTraffic(5).Apply(shard, 1_001);

        var verdict = VerdictEngine.Evaluate(experiment.Snapshot(), DateTimeOffset.UnixEpoch.AddYears(60));

        // GuardedTraffic spaces units 100 ms apart, the last unit's events 3 ms after its exposure: 100.003 s, truncated to whole seconds.
        Assert.Equal(TimeSpan.FromSeconds(100), verdict.Horizon.Elapsed);
    }

    [Fact]
    public void Quantile_KPIs_return_each_arms_confidence_interval_and_other_kinds_none()
    {
        var shard = new ShardAggregator(eventIdWindow: 100_000);
        var experiment = shard.Define(Definitions.SixKpis("exp"));
        foreach (var e in new TrafficGenerator(9).Units(2_000))
        {
            shard.Apply(e);
        }

        var verdict = VerdictEngine.Evaluate(experiment.Snapshot(), DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

        foreach (var metric in verdict.Metrics)
        {
            foreach (var arm in metric.Arms)
            {
                if (metric.Metric.IsQuantile)
                {
                    var ci = Assert.IsType<ConfidenceInterval>(arm.EstimateCi);
                    Assert.True(ci.Lower < arm.Estimate && arm.Estimate < ci.Upper, $"{metric.Metric.Key} {arm.VariantKey}: {arm.Estimate} outside {ci}");
                }
                else
                {
                    Assert.Null(arm.EstimateCi);
                }
            }
        }
    }

    [Theory]
    [InlineData(0.0, "< 1e-300")]
    [InlineData(2.5e-7, "2.5e-7")]
    [InlineData(0.0123, "0.0123")]
    [InlineData(double.NaN, "n/a")]
    public void P_values_in_reasons_never_read_as_zero(double p, string expected) => Assert.Equal(expected, ReasonText.PValue(p));
}
