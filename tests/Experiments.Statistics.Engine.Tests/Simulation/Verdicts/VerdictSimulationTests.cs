using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Tests.Support;
using Experiments.Statistics.Engine.Tests.Unit.Aggregation;
using Experiments.Statistics.Engine.Verdicts;
using Xunit.Abstractions;

namespace Experiments.Statistics.Engine.Tests.Simulation.Verdicts;

/// <summary>
/// The whole pipeline — events through the aggregator, merged aggregates, the verdict with Holm over always-valid
/// p-values — under continuous peeking: A/A experiments must ship or roll back on noise at most alpha of the time;
/// a planted effect of the MDE must be found with the planned power.
/// </summary>
public sealed class VerdictSimulationTests(ITestOutputHelper output)
{
    private const int Looks = 20;

    [Fact]
    public void AA_experiments_peeked_after_every_batch_keep_false_positives_at_alpha()
    {
        const int experiments = 1000;
        const int units = 600;
        var falsePositives = 0;
        var invalid = 0;
        for (var x = 0; x < experiments; x++)
        {
            var definition = Definitions.SixKpis("aa", nStar: 2 * units);
            var shard = new ShardAggregator(eventIdWindow: 100_000);
            var experiment = shard.Define(definition);
            var events = new TrafficGenerator(10_000 + x, "aa").Units(units);
            var perLook = (events.Count + Looks - 1) / Looks;
            var decided = false;
            var sawInvalid = false;
            for (var look = 0; look < Looks && !decided; look++)
            {
                foreach (var e in events.Skip(look * perLook).Take(perLook))
                {
                    shard.Apply(e);
                }
                var verdict = VerdictEngine.Evaluate(experiment.Snapshot(), DateTimeOffset.UnixEpoch);
                decided = verdict.Decision is VerdictDecisionKind.Ship or VerdictDecisionKind.RollBack;
                sawInvalid |= verdict.Decision == VerdictDecisionKind.Invalid;
            }
            falsePositives += decided ? 1 : 0;
            invalid += sawInvalid ? 1 : 0;
        }
        var (lower, upper) = BinomialProportionInterval.ClopperPearson(falsePositives, experiments);
        output.WriteLine($"A/A, {Looks} looks each, 6 KPIs: {falsePositives}/{experiments} shipped or rolled back = {(double)falsePositives / experiments:P2} (95% Clopper–Pearson CI {lower:P2} to {upper:P2}); {invalid} hit the SRM gate at some look");
        // Fails when the rate is significantly above alpha.
        Assert.True(lower <= 0.05, $"false-positive rate {falsePositives}/{experiments} is significantly above 5%");
    }

    [Fact]
    public void A_planted_MDE_is_detected_with_the_planned_power()
    {
        var definition = new ExperimentDefinition("mde", 1, RandomizationUnitKind.User,
            [new VariantDefinition("control", 1, true), new VariantDefinition("treatment", 1, false)],
            [new MetricDefinition("mean-place", MetricKind.LatencyMean, MetricRole.Primary)])
        {
            MinimumDetectableEffect = 0.1,
            SequentialNStar = 2000,
        };
        // Plan from a large pilot: the verdict's own power analysis on the control's observed variance.
        var pilot = new ShardAggregator(eventIdWindow: 1_000_000);
        var pilotExperiment = pilot.Define(definition);
        foreach (var e in new TrafficGenerator(1, "mde").Units(40_000))
        {
            pilot.Apply(e);
        }
        var pilotVerdict = VerdictEngine.Evaluate(pilotExperiment.Snapshot(), DateTimeOffset.UnixEpoch);
        var plan = pilotVerdict.Metrics[0].Power!;
        // The plan, like statsmodels' NormalIndPower, assumes the control's variance in both arms: plant the MDE as a
        // shift, which keeps each unit's linearized variance (a 0.9× scaling would shrink the treatment's and add power).
        var shift = -0.1 * pilotVerdict.Metrics[0].Arms[0].Estimate;
        var perArm = plan.RequiredUnitsPerArm;
        output.WriteLine($"planned: {perArm} units per arm for a 10% effect at 80% power (fixed horizon: {plan.FixedHorizonUnitsPerArm})");

        const int simulations = 1000;
        int detectedAtPlan = 0, detectedWhilePeeking = 0;
        for (var s = 0; s < simulations; s++)
        {
            var shard = new ShardAggregator(eventIdWindow: 100_000);
            var experiment = shard.Define(definition);
            var events = new TrafficGenerator(50_000 + s, "mde") { TreatmentLatencyShiftMs = shift }.Units((int)(2 * perArm));
            var perLook = (events.Count + Looks - 1) / Looks;
            var everShipped = false;
            VerdictResult? last = null;
            for (var look = 0; look < Looks; look++)
            {
                foreach (var e in events.Skip(look * perLook).Take(perLook))
                {
                    shard.Apply(e);
                }
                last = VerdictEngine.Evaluate(experiment.Snapshot(), DateTimeOffset.UnixEpoch);
                everShipped |= last.Decision == VerdictDecisionKind.Ship;
            }
            detectedAtPlan += last!.Decision == VerdictDecisionKind.Ship ? 1 : 0;
            detectedWhilePeeking += everShipped ? 1 : 0;
        }
        var rate = (double)detectedAtPlan / simulations;
        var (lower, upper) = BinomialProportionInterval.ClopperPearson(detectedAtPlan, simulations);
        output.WriteLine($"detected at the planned sample size: {rate:P1} (95% CI {lower:P1} to {upper:P1}); at any of {Looks} looks: {(double)detectedWhilePeeking / simulations:P1}");
        // Units are assigned at random, so arms are ≈ perArm each; the planned power is 80%.
        Assert.InRange(rate, 0.75, 0.85);
        Assert.True(detectedWhilePeeking >= detectedAtPlan);
    }

    [Fact]
    public void Three_shards_on_disjoint_units_merge_to_the_single_shard_verdict()
    {
        var definition = Definitions.SixKpis("exp");
        var events = new TrafficGenerator(7) { TreatmentLatencyFactor = 0.93 }.Units(20_000);
        var single = new ShardAggregator();
        single.Define(definition);
        var shards = new[] { new ShardAggregator(), new ShardAggregator(), new ShardAggregator() };
        foreach (var shard in shards)
        {
            shard.Define(definition);
        }
        foreach (var e in events)
        {
            single.Apply(e);
            shards[(int)(StableHash.Of(e.UserId!) % 3)].Apply(e);
        }
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var expected = VerdictEngine.Evaluate(single.Find("exp")!.Snapshot(), at);
        var merged = VerdictEngine.Evaluate(ExperimentAggregate.MergeAll(shards.Select(s => s.Find("exp")!.Snapshot())), at);
        VerdictAssert.Equivalent(expected, merged, 1e-9);
        output.WriteLine($"decision {expected.Decision}; {string.Join("; ", expected.Reasons)}");
    }
}
