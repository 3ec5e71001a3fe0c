using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;
using Experiments.Assignment.Tests.Support;
using Microsoft.FeatureManagement;

namespace Experiments.Assignment.Tests.Unit;

/// <summary>
/// The precompiled evaluator on the Assign path must decide exactly what Microsoft.FeatureManagement's
/// IVariantFeatureManager decides for the FeatureDefinition built from the same experiment.
/// </summary>
public sealed class EvaluatorIdentityTests
{
    private const int Units = 1_000_000;

    [Fact]
    public async Task Precompiled_evaluator_matches_IVariantFeatureManager_on_a_million_units()
    {
        var definition = DomainExperiments.Running("checkout-engine", ("control", 20), ("fast", 30), ("faster", 50)) with
        {
            Targeting = new TargetingRules
            {
                AttributeRules = [new AttributeCondition("region", ConditionOperator.In, ["eu-west", "eu-north"])],
                ExcludedGroups = ["staff"],
            },
            Holdout = new HoldoutSpec("global", 5),
            Layer = new LayerSlot("checkout", 60, 20),
            RolloutPercent = 60,
            DefaultVariantKey = "control",
        };
        var set = DomainExperiments.Set(definition);
        var manager = FeatureManagerOver(set);
        var compiled = set.Find("checkout-engine")!;
        var outcomes = new long[9];
        for (var i = 0; i < Units; i++)
        {
            var unit = new UnitContext
            {
                // Some ids are non-ASCII, so the UTF-8 paths of both hashes are exercised too.
                UserId = i % 97 == 0 ? $"usér-{i}-🙂" : DomainExperiments.UnitId(i),
                Groups = i % 50 == 0 ? ["staff"] : [],
                Attributes = new Dictionary<string, string> { ["region"] = i % 4 == 0 ? "us-east" : "eu-west" },
            };
            var decision = compiled.Evaluate(unit);
            var target = new UnitTargetingContext(unit, definition.Unit);
            var variant = await manager.GetVariantAsync("checkout-engine", target, CancellationToken.None);
            var enabled = await manager.IsEnabledAsync("checkout-engine", target, CancellationToken.None);
            if (variant?.Name != decision.VariantKey || enabled != decision.InExperiment)
            {
                Assert.Fail($"unit {unit.UserId}: IVariantFeatureManager says {variant?.Name} (enabled {enabled}), precompiled says {decision.VariantKey} ({decision.Outcome})");
            }
            outcomes[(int)decision.Outcome]++;
        }
        // Every path was exercised, so agreement means something.
        foreach (var outcome in new[] { AssignmentOutcome.NotTargeted, AssignmentOutcome.Holdout, AssignmentOutcome.LayerOtherExperiment, AssignmentOutcome.OutsideRollout, AssignmentOutcome.Assigned })
        {
            Assert.True(outcomes[(int)outcome] > 1000, $"only {outcomes[(int)outcome]} units with {outcome}");
        }
    }

    [Theory]
    [InlineData(ExperimentState.Draft, "control")]
    [InlineData(ExperimentState.Stopped, "fast")]
    public async Task Not_running_experiments_serve_the_same_variant_to_everyone_in_both_evaluators(ExperimentState state, string expected)
    {
        var definition = DomainExperiments.Running("engine", ("control", 50), ("fast", 50)) with { State = state, FinalVariantKey = state == ExperimentState.Stopped ? "fast" : "" };
        var set = DomainExperiments.Set(definition);
        var manager = FeatureManagerOver(set);
        for (var i = 0; i < 1000; i++)
        {
            var unit = DomainExperiments.User(i);
            var decision = set.Evaluate("engine", unit);
            var variant = await manager.GetVariantAsync("engine", new UnitTargetingContext(unit, UnitKind.User), CancellationToken.None);
            Assert.Equal(expected, decision.VariantKey);
            Assert.Equal(AssignmentOutcome.ExperimentNotRunning, decision.Outcome);
            Assert.Equal(expected, variant?.Name);
        }
    }

    [Fact]
    public async Task Variant_payload_reaches_IVariantFeatureManager_as_the_variant_configuration()
    {
        var definition = DomainExperiments.Running("engine") with
        {
            Variants = [new ExperimentVariant("control", "", 0, true, "v1"), new ExperimentVariant("treatment", "", 100, false, "{\"engine\":\"v2\"}")],
        };
        var manager = FeatureManagerOver(DomainExperiments.Set(definition));
        var variant = await manager.GetVariantAsync("engine", new UnitTargetingContext(DomainExperiments.User(1), UnitKind.User), CancellationToken.None);
        Assert.Equal("treatment", variant.Name);
        Assert.Equal("{\"engine\":\"v2\"}", variant.Configuration.Value);
    }

    internal static FeatureManager FeatureManagerOver(DefinitionSet set) =>
        new(new ExperimentFeatureDefinitionProvider(() => set), new FeatureManagementOptions())
        {
            FeatureFilters = [new EnrollmentFilter()],
        };
}
