using System.Diagnostics.Metrics;
using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;
using Experiments.Sdk.Definitions;
using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Experiments.Sdk.Tests.Unit;

public sealed class ExposureRecorderTests
{
    [Fact]
    public void A_unit_is_exposed_once_per_arm_and_units_outside_the_experiment_not_at_all()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = Options.Create(new ExperimentsOptions { IngestionAddress = "http://ingestion" });
        var store = new DefinitionsStore(NullLogger<DefinitionsStore>.Instance);
        store.ApplySnapshot(1, [Definition(rollout: 50)]);
        var buffer = new TelemetryBuffer(options);
        using var metrics = new ExperimentsMetrics(services.GetRequiredService<IMeterFactory>(), buffer, store);
        var manager = new ExperimentsFeatureManager(store, new ExposureRecorder(buffer, metrics, options), new FallbackVariants([]));

        var inExperiment = 0;
        for (var i = 0; i < 1000; i++)
        {
            var unit = new UnitContext { UserId = "user-" + i };
            var first = manager.GetVariant("engine", unit);
            Assert.Same(first, manager.GetVariant("engine", unit));
            inExperiment += store.Current.Set.Evaluate("engine", unit).InExperiment ? 1 : 0;
        }
        Assert.InRange(inExperiment, 400, 600);
        Assert.Equal(inExperiment, buffer.Count);
        for (var i = 0; i < inExperiment; i++)
        {
            Assert.True(buffer.TryDequeue(out var exposure));
            Assert.Equal(TelemetryKind.Exposure, exposure.Kind);
            var unit = new UnitContext { UserId = exposure.UserId! };
            Assert.Equal(store.Current.Set.Evaluate("engine", unit).VariantIndex, exposure.VariantIndex);
        }
    }

    private static ExperimentDefinition Definition(double rollout) => new()
    {
        Id = "exp-engine",
        FlagKey = "engine",
        Variants = [new ExperimentVariant("control", "", 50, true, ""), new ExperimentVariant("fast", "", 50, false, "")],
        Unit = UnitKind.User,
        RolloutPercent = rollout,
        State = ExperimentState.Running,
        Revision = 1,
        Seed = "seed-engine",
    };
}
