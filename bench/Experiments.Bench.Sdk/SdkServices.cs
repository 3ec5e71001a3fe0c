using System.Diagnostics;
using Experiments.Assignment.Definitions;
using Experiments.Sdk.Definitions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FeatureManagement;

namespace Experiments.Bench.Sdk;

/// <summary>
/// The services of an app with the SDK, as the benchmarks use them: telemetry on (to an address nothing listens on;
/// the sender is never started), the order engine as a variant service of a running 50/50 experiment.
/// </summary>
internal static class SdkServices
{
    public const string FlagKey = "place-order-engine";

    public static ServiceProvider Build(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection().AddLogging().AddRouting().AddSingleton(new DiagnosticListener("bench"))
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddExperiments(options => options.IngestionAddress = "http://127.0.0.1:1").WithVariantService<IOrderEngine>(FlagKey);
        services.AddSingleton<IOrderEngine, ClassicEngine>();
        services.AddSingleton<IOrderEngine, FastEngine>();
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<DefinitionsStore>().ApplySnapshot(1, [Experiment()]);
        return provider;
    }

    private static ExperimentDefinition Experiment() => new()
    {
        Id = "engine-v2",
        FlagKey = FlagKey,
        Variants = [new ExperimentVariant("control", "", 50, true, ""), new ExperimentVariant("fast-engine", "", 50, false, "")],
        Unit = UnitKind.User,
        RolloutPercent = 100,
        State = ExperimentState.Running,
        Revision = 2,
        Seed = "seed-engine-v2",
    };
}
