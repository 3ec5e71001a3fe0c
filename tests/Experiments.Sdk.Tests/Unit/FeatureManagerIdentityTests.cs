using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;
using Experiments.Sdk.Definitions;
using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.FeatureManagement;

namespace Experiments.Sdk.Tests.Unit;

/// <summary>
/// The SDK's IVariantFeatureManager must decide what Microsoft.FeatureManagement's own FeatureManager decides over
/// the same definitions, for every kind of unit id and every path (targeting, holdout, layer, rollout).
/// </summary>
public sealed class FeatureManagerIdentityTests
{
    [Theory]
    [InlineData(UnitKind.User)]
    [InlineData(UnitKind.Session)]
    public async Task Sdk_feature_manager_matches_FeatureManagement_on_many_units(UnitKind unitKind)
    {
        var definition = new ExperimentDefinition
        {
            Id = "exp-checkout",
            FlagKey = "checkout-engine",
            Variants = [new ExperimentVariant("control", "", 20, true, ""), new ExperimentVariant("fast", "", 30, false, "{\"v\":2}"), new ExperimentVariant("faster", "", 50, false, "")],
            Unit = unitKind,
            Targeting = new TargetingRules
            {
                AttributeRules = [new AttributeCondition("region", ConditionOperator.In, ["eu-west"])],
                ExcludedGroups = ["staff"],
            },
            Holdout = new HoldoutSpec("global", 5),
            Layer = new LayerSlot("checkout", 60, 20),
            RolloutPercent = 60,
            State = ExperimentState.Running,
            Revision = 3,
            Seed = "seed-checkout",
        };
        var store = new DefinitionsStore(NullLogger<DefinitionsStore>.Instance);
        store.ApplySnapshot(1, [definition]);
        var options = Options.Create(new ExperimentsOptions());
        var buffer = new TelemetryBuffer(options);
        var sdk = new ExperimentsFeatureManager(store, new ExposureRecorder(buffer, null!, options), new FallbackVariants([]));
        var reference = new FeatureManager(new ExperimentFeatureDefinitionProvider(() => store.Current.Set), new FeatureManagementOptions())
        {
            FeatureFilters = [new EnrollmentFilter()],
        };
        var assigned = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var unit = new UnitContext
            {
                UserId = "user-" + i,
                SessionId = "session-" + (i * 7919),
                Groups = i % 50 == 0 ? ["staff"] : [],
                Attributes = new Dictionary<string, string> { ["region"] = i % 4 == 0 ? "us-east" : "eu-west" },
            };
            var target = new UnitTargetingContext(unit, unitKind);
            var expected = await reference.GetVariantAsync("checkout-engine", target, CancellationToken.None);
            var expectedEnabled = await reference.IsEnabledAsync("checkout-engine", target, CancellationToken.None);
            Variant actual;
            bool enabled;
            using (ExperimentsContext.ForUnit(unit.UserId, unit.SessionId))
            {
                // The ambient unit has no attributes; pass the full context the way an app with targeting does.
                actual = await sdk.GetVariantAsync("checkout-engine", target, CancellationToken.None);
                enabled = await sdk.IsEnabledAsync("checkout-engine", target, CancellationToken.None);
            }
            if (expected.Name != actual.Name || expectedEnabled != enabled || expected.Configuration?.Value != actual.Configuration?.Value)
            {
                Assert.Fail($"unit {i}: FeatureManagement says {expected.Name} ({expectedEnabled}), the SDK {actual.Name} ({enabled})");
            }
            assigned += enabled ? 1 : 0;
        }
        Assert.InRange(assigned, 10_000, 40_000);
    }
}
