using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Sequential;
using Experiments.Statistics.Engine.Tests.Support;
using Experiments.Statistics.Engine.Verdicts;
using Xunit.Abstractions;

namespace Experiments.Statistics.Engine.Tests.Simulation.Verdicts;

/// <summary>
/// The decision rule under continuous monitoring (DESIGN §5), through the aggregator and the verdict engine with a
/// verdict after every batch and the breach carried from look to look as the service carries it: a change that harms
/// a guardrail at or beyond its tolerance ships at no look more often than α; an A/A test ships or rolls back at most
/// α of the time; a true improvement with unharmed guardrails ships by the horizon with the planned power.
/// </summary>
/// <remarks>
/// Tolerances: a count above rate + z₀.₉₉₉·√(rate(1 − rate)/n) happens with probability 0.1% when the true rate is
/// exactly the bound, so crossing it fails the test; the power is checked within ±5 points of the plan.
/// </remarks>
public sealed class DecisionRuleSimulationTests(ITestOutputHelper output)
{
    private const double Alpha = 0.05;
    private const double LatencyTolerance = 0.10;
    private const double ErrorTolerance = 0.30;
    private const double Lift = 1.10;
    private const int Looks = 10;
    private const long NStar = 3_000;

    private static readonly NormalMixtureConfidenceSequence Sequence = new(NStar, Alpha);

    private static readonly (double Margin, double UnitVariance)[] Guardrails =
        [(Math.Log(1 + LatencyTolerance), GuardedTraffic.LatencyCv2), (Math.Log(1 + ErrorTolerance), GuardedTraffic.ErrorCv2)];

    /// <summary>Units per arm at which SHIP has 80% power for a 10% lift with both guardrails unharmed.</summary>
    private static readonly long PlannedPerArm = SequentialPower.RequiredUnitsToShip(Sequence, Math.Log(Lift), GuardedTraffic.ValueCv2, Guardrails, 0.8);

    private sealed record Outcome(int Experiments, int ShipAtAnyLook, int RollBackAtAnyLook, int ShipAtHorizon, int RollBackUndone);

    public static TheoryData<string, double, double> HarmedTwiceTheTolerance => new()
    {
        { "latency", 1 + 2 * LatencyTolerance, 1 },
        { "errors", 1, 1 + 2 * ErrorTolerance },
    };

    [Theory]
    [MemberData(nameof(HarmedTwiceTheTolerance))]
    public void An_improvement_that_harms_a_guardrail_by_twice_its_tolerance_ships_at_no_look_more_often_than_alpha(string guardrail, double latencyFactor, double errorFactor)
    {
        var outcome = Run(500, 1_000, seed => new GuardedTraffic(seed) { ValueFactor = Lift, LatencyFactor = latencyFactor, ErrorFactor = errorFactor });
        Report($"primary +10%, {guardrail} harmed at 2× tolerance", outcome);
        AssertAtMostAlpha(outcome.ShipAtAnyLook, outcome.Experiments, "SHIP at some look");
        Assert.Equal(0, outcome.RollBackUndone);
    }

    [Fact]
    public void An_improvement_that_harms_a_guardrail_exactly_at_its_tolerance_ships_at_no_look_more_often_than_alpha()
    {
        var outcome = Run(1_000, 2_000, seed => new GuardedTraffic(seed) { ValueFactor = Lift, LatencyFactor = 1 + LatencyTolerance });
        Report("primary +10%, latency harmed exactly at its 10% tolerance", outcome);
        AssertAtMostAlpha(outcome.ShipAtAnyLook, outcome.Experiments, "SHIP at some look");
        Assert.Equal(0, outcome.RollBackUndone);
    }

    [Fact]
    public void AA_experiments_ship_or_roll_back_at_no_look_more_often_than_alpha()
    {
        var outcome = Run(1_000, 3_000, seed => new GuardedTraffic(seed));
        Report("A/A", outcome);
        AssertAtMostAlpha(outcome.ShipAtAnyLook + outcome.RollBackAtAnyLook, outcome.Experiments, "SHIP or ROLL_BACK at some look");
    }

    [Fact]
    public void A_true_improvement_with_unharmed_guardrails_ships_by_the_horizon_with_the_planned_power()
    {
        var planned = SequentialPower.ShipPowerAt(Sequence, Math.Log(Lift), GuardedTraffic.ValueCv2, Guardrails, PlannedPerArm);
        var outcome = Run(500, 4_000, seed => new GuardedTraffic(seed) { ValueFactor = Lift });
        Report($"primary +10%, guardrails unharmed, horizon {PlannedPerArm} units per arm (planned SHIP power {planned:P1})", outcome);
        var rate = (double)outcome.ShipAtHorizon / outcome.Experiments;
        Assert.InRange(rate, planned - 0.05, planned + 0.05);
        Assert.True(outcome.ShipAtAnyLook >= outcome.ShipAtHorizon);
        Assert.Equal(0, outcome.RollBackAtAnyLook);
    }

    private static Outcome Run(int experiments, int seedBase, Func<int, GuardedTraffic> traffic)
    {
        var definition = GuardedTraffic.Definition(LatencyTolerance, ErrorTolerance, NStar);
        var perLook = (int)(2 * PlannedPerArm / Looks);
        int shipAny = 0, rollBackAny = 0, shipAtHorizon = 0, undone = 0;
        for (var x = 0; x < experiments; x++)
        {
            var shard = new ShardAggregator(eventIdWindow: 1_000);
            var experiment = shard.Define(definition);
            var units = traffic(seedBase + x);
            GuardrailBreach? breach = null;
            ShipDecision? ship = null;
            bool shipped = false, rolledBack = false;
            VerdictResult? verdict = null;
            for (var look = 0; look < Looks; look++)
            {
                units.Apply(shard, perLook);
                // Carried from look to look as the service does, so what is counted is what users see.
                verdict = VerdictEngine.Evaluate(experiment.Snapshot(), DateTimeOffset.UnixEpoch, breach, ship);
                breach = verdict.Breach;
                ship = verdict.Ship;
                // An SRM alarm at a later look makes the verdict INVALID (the data are not trusted); it undoes nothing.
                undone += rolledBack && verdict.Decision is not (VerdictDecisionKind.RollBack or VerdictDecisionKind.Invalid) ? 1 : 0;
                shipped |= verdict.Decision == VerdictDecisionKind.Ship;
                rolledBack |= verdict.Decision == VerdictDecisionKind.RollBack;
            }
            shipAny += shipped ? 1 : 0;
            rollBackAny += rolledBack ? 1 : 0;
            shipAtHorizon += verdict!.Decision == VerdictDecisionKind.Ship ? 1 : 0;
        }
        return new Outcome(experiments, shipAny, rollBackAny, shipAtHorizon, undone);
    }

    private void Report(string scenario, Outcome o) =>
        output.WriteLine($"{scenario}; {o.Experiments} experiments × {Looks} looks: SHIP at any look {BinomialProportionInterval.Describe(o.ShipAtAnyLook, o.Experiments)}; " +
            $"ROLL_BACK at any look {BinomialProportionInterval.Describe(o.RollBackAtAnyLook, o.Experiments)}; SHIP at the horizon {BinomialProportionInterval.Describe(o.ShipAtHorizon, o.Experiments)}; ROLL_BACK undone at a later look: {o.RollBackUndone}");

    private static void AssertAtMostAlpha(int events, int experiments, string what)
    {
        var bound = BinomialProportionInterval.UpperNoiseBound(Alpha, experiments);
        Assert.True((double)events / experiments <= bound, $"{what}: {BinomialProportionInterval.Describe(events, experiments)}; allowed ≤ {bound:F4}");
    }
}
