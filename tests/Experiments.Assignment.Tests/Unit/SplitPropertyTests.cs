using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;
using Experiments.Assignment.Tests.Support;

namespace Experiments.Assignment.Tests.Unit;

/// <summary>
/// Statistical properties of assignment on a million units (hash-only loops, no RPC). Bounds: χ² at the 0.999
/// quantile (see <see cref="ChiSquare"/>).
/// </summary>
public sealed class SplitPropertyTests
{
    private const int Units = 1_000_000;

    [Theory]
    [InlineData(new[] { 50.0, 50.0 })]
    [InlineData(new[] { 20.0, 30.0, 50.0 })]
    [InlineData(new[] { 10.0, 10.0, 10.0, 70.0 })]
    public void Split_ratios_match_the_weights_on_a_million_units(double[] weights)
    {
        var experiment = new CompiledExperiment(DomainExperiments.Running("split", weights.Select((w, i) => ("v" + i, w)).ToArray()));
        var counts = new long[weights.Length];
        for (var i = 0; i < Units; i++)
        {
            var decision = experiment.Evaluate(DomainExperiments.User(i));
            Assert.True(decision.InExperiment);
            counts[decision.VariantIndex]++;
        }
        var statistic = ChiSquare.GoodnessOfFit(counts, weights.Select(w => w / 100).ToArray());
        Assert.True(statistic < ChiSquare.Critical999(weights.Length - 1),
            $"χ² = {statistic:F2} ≥ {ChiSquare.Critical999(weights.Length - 1):F2} for counts [{string.Join(", ", counts)}]");
    }

    [Fact]
    public void Rollout_enrolls_its_share_of_units()
    {
        var experiment = new CompiledExperiment(DomainExperiments.Running("rollout") with { RolloutPercent = 12.5 });
        long enrolled = 0;
        for (var i = 0; i < Units; i++)
        {
            if (experiment.Evaluate(DomainExperiments.User(i)).InExperiment)
            {
                enrolled++;
            }
        }
        var statistic = ChiSquare.GoodnessOfFit([enrolled, Units - enrolled], [0.125, 0.875]);
        Assert.True(statistic < ChiSquare.Critical999(1), $"χ² = {statistic:F2}, enrolled {enrolled}");
    }

    [Fact]
    public void Ramp_up_keeps_units_already_in_treatment()
    {
        var definition = DomainExperiments.Running("ramp");
        var at10 = new CompiledExperiment(definition with { RolloutPercent = 10 });
        var at50 = new CompiledExperiment(definition with { RolloutPercent = 50, Revision = 4 });
        var at100 = new CompiledExperiment(definition with { RolloutPercent = 100, Revision = 5 });
        long enrolledAt10 = 0, enrolledAt50 = 0;
        for (var i = 0; i < Units; i++)
        {
            var unit = DomainExperiments.User(i);
            var first = at10.Evaluate(unit);
            var second = at50.Evaluate(unit);
            var third = at100.Evaluate(unit);
            if (first.InExperiment)
            {
                enrolledAt10++;
                Assert.True(second.InExperiment && second.VariantIndex == first.VariantIndex, $"unit {i} left or switched at 50%");
            }
            if (second.InExperiment)
            {
                enrolledAt50++;
                Assert.True(third.InExperiment && third.VariantIndex == second.VariantIndex, $"unit {i} left or switched at 100%");
            }
        }
        Assert.True(ChiSquare.GoodnessOfFit([enrolledAt10, Units - enrolledAt10], [0.1, 0.9]) < ChiSquare.Critical999(1));
        Assert.True(ChiSquare.GoodnessOfFit([enrolledAt50, Units - enrolledAt50], [0.5, 0.5]) < ChiSquare.Critical999(1));
    }

    [Fact]
    public void Experiments_in_different_layers_are_independent()
    {
        var checkout = new CompiledExperiment(DomainExperiments.Running("checkout") with { Layer = new LayerSlot("checkout", 50, 0) });
        var search = new CompiledExperiment(DomainExperiments.Running("search") with { Layer = new LayerSlot("search", 50, 25) });
        var membership = new long[2, 2];
        var variants = new long[2, 2];
        for (var i = 0; i < Units; i++)
        {
            var unit = DomainExperiments.User(i);
            var a = checkout.Evaluate(unit);
            var b = search.Evaluate(unit);
            membership[a.InExperiment ? 1 : 0, b.InExperiment ? 1 : 0]++;
            if (a.InExperiment && b.InExperiment)
            {
                variants[a.VariantIndex, b.VariantIndex]++;
            }
        }
        var membershipStatistic = ChiSquare.Independence(membership);
        var variantStatistic = ChiSquare.Independence(variants);
        Assert.True(membershipStatistic < ChiSquare.Critical999(1), $"membership cross-tab χ² = {membershipStatistic:F2}");
        Assert.True(variantStatistic < ChiSquare.Critical999(1), $"variant cross-tab χ² = {variantStatistic:F2}");
        // Both experiments take half of their layer: a quarter of all units are in both.
        Assert.True(ChiSquare.GoodnessOfFit([membership[0, 0], membership[0, 1], membership[1, 0], membership[1, 1]], [0.25, 0.25, 0.25, 0.25]) < ChiSquare.Critical999(3));
    }

    [Fact]
    public void Experiments_in_one_layer_never_share_a_unit_and_get_their_traffic()
    {
        var first = new CompiledExperiment(DomainExperiments.Running("first") with { Layer = new LayerSlot("pricing", 30, 0) });
        var second = new CompiledExperiment(DomainExperiments.Running("second") with { Layer = new LayerSlot("pricing", 50, 30) });
        long inFirst = 0, inSecond = 0;
        for (var i = 0; i < Units; i++)
        {
            var unit = DomainExperiments.User(i);
            var a = first.Evaluate(unit).InExperiment;
            var b = second.Evaluate(unit).InExperiment;
            Assert.False(a && b, $"unit {i} is in both experiments of one layer");
            inFirst += a ? 1 : 0;
            inSecond += b ? 1 : 0;
        }
        var statistic = ChiSquare.GoodnessOfFit([inFirst, inSecond, Units - inFirst - inSecond], [0.3, 0.5, 0.2]);
        Assert.True(statistic < ChiSquare.Critical999(2), $"χ² = {statistic:F2}: {inFirst} / {inSecond}");
    }

    [Fact]
    public void A_holdout_excludes_the_same_units_from_every_experiment_naming_it()
    {
        var holdout = new HoldoutSpec("q3-holdout", 5);
        var first = new CompiledExperiment(DomainExperiments.Running("first") with { Holdout = holdout });
        var second = new CompiledExperiment(DomainExperiments.Running("second") with { Holdout = holdout, Seed = "another" });
        long heldOut = 0;
        for (var i = 0; i < Units; i++)
        {
            var unit = DomainExperiments.User(i);
            var a = first.Evaluate(unit).Outcome == AssignmentOutcome.Holdout;
            var b = second.Evaluate(unit).Outcome == AssignmentOutcome.Holdout;
            Assert.Equal(a, b);
            heldOut += a ? 1 : 0;
        }
        var statistic = ChiSquare.GoodnessOfFit([heldOut, Units - heldOut], [0.05, 0.95]);
        Assert.True(statistic < ChiSquare.Critical999(1), $"χ² = {statistic:F2}, held out {heldOut}");
    }

    [Fact]
    public void Assignment_is_independent_of_the_rollout_position()
    {
        // If allocation reused the rollout hash, the first 10% enrolled would all land in one arm.
        var experiment = new CompiledExperiment(DomainExperiments.Running("independence") with { RolloutPercent = 10 });
        var counts = new long[2];
        for (var i = 0; i < Units; i++)
        {
            var decision = experiment.Evaluate(DomainExperiments.User(i));
            if (decision.InExperiment)
            {
                counts[decision.VariantIndex]++;
            }
        }
        Assert.True(ChiSquare.GoodnessOfFit(counts, [0.5, 0.5]) < ChiSquare.Critical999(1), $"counts {counts[0]} / {counts[1]}");
    }
}
