using Experiments.Contracts.V1;
using Experiments.Sdk.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FeatureManagement;
using Microsoft.FeatureManagement.FeatureFilters;

namespace Experiments.Sdk.Tests.Integration;

/// <summary>
/// Feature flags declared in the app's configuration, beside the assignment service's experiments: the SDK must
/// answer for them what Microsoft.FeatureManagement alone answers over the same configuration, and an experiment
/// must win on its own key once the service serves it.
/// </summary>
public sealed class ConfigurationFlagsTests
{
    private const int Users = 200;

    private static readonly string[] Flags = ["dark-mode", "beta-banner", "checkout-theme", "LegacyFlag", SampleDefinitions.Flag, "not-declared"];

    private static readonly Dictionary<string, string?> Configuration = new()
    {
        // Microsoft's feature flag schema.
        ["feature_management:feature_flags:0:id"] = "dark-mode",
        ["feature_management:feature_flags:0:enabled"] = "true",
        ["feature_management:feature_flags:1:id"] = "beta-banner",
        ["feature_management:feature_flags:1:enabled"] = "true",
        ["feature_management:feature_flags:1:conditions:client_filters:0:name"] = "Microsoft.Targeting",
        ["feature_management:feature_flags:1:conditions:client_filters:0:parameters:Audience:Users:0"] = "user-3",
        ["feature_management:feature_flags:1:conditions:client_filters:0:parameters:Audience:DefaultRolloutPercentage"] = "30",
        ["feature_management:feature_flags:2:id"] = "checkout-theme",
        ["feature_management:feature_flags:2:enabled"] = "true",
        ["feature_management:feature_flags:2:variants:0:name"] = "blue",
        ["feature_management:feature_flags:2:variants:1:name"] = "green",
        ["feature_management:feature_flags:2:allocation:default_when_enabled"] = "blue",
        ["feature_management:feature_flags:2:allocation:seed"] = "theme",
        ["feature_management:feature_flags:2:allocation:percentile:0:variant"] = "blue",
        ["feature_management:feature_flags:2:allocation:percentile:0:from"] = "0",
        ["feature_management:feature_flags:2:allocation:percentile:0:to"] = "40",
        ["feature_management:feature_flags:2:allocation:percentile:1:variant"] = "green",
        ["feature_management:feature_flags:2:allocation:percentile:1:from"] = "40",
        ["feature_management:feature_flags:2:allocation:percentile:1:to"] = "100",
        // The experiment's key, declared locally too: configuration decides until the experiment is served.
        ["feature_management:feature_flags:3:id"] = SampleDefinitions.Flag,
        ["feature_management:feature_flags:3:enabled"] = "true",
        ["feature_management:feature_flags:3:variants:0:name"] = "control",
        ["feature_management:feature_flags:3:variants:1:name"] = "fast-engine",
        ["feature_management:feature_flags:3:allocation:seed"] = "local",
        ["feature_management:feature_flags:3:allocation:percentile:0:variant"] = "control",
        ["feature_management:feature_flags:3:allocation:percentile:0:from"] = "0",
        ["feature_management:feature_flags:3:allocation:percentile:0:to"] = "20",
        ["feature_management:feature_flags:3:allocation:percentile:1:variant"] = "fast-engine",
        ["feature_management:feature_flags:3:allocation:percentile:1:from"] = "20",
        ["feature_management:feature_flags:3:allocation:percentile:1:to"] = "100",
        // The older .NET schema.
        ["FeatureManagement:LegacyFlag"] = "true",
    };

    [Fact]
    public async Task Flags_declared_in_configuration_answer_as_FeatureManagement_alone_and_an_experiment_wins_on_its_key()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var service = await AssignmentHost.StartAsync();
        await using var app = await SdkApp.StartAsync(options =>
        {
            options.AssignmentAddress = service.Address;
            options.ApiKey = AssignmentHost.ReadKey;
        }, configuration: Configuration);
        await app.Status.WaitForDefinitionsAsync(0, timeout.Token);
        using var reference = ReferenceFeatureManager();

        // No experiment yet: every flag, the experiment's key included, is configuration's.
        var configured = await ExpectedFromConfigurationAsync(reference.GetRequiredService<IVariantFeatureManager>());
        Assert.Equal("True|", configured[("dark-mode", 0)]);
        Assert.Equal("True|", configured[("LegacyFlag", 0)]);
        Assert.Equal("False|", configured[("not-declared", 0)]);
        Assert.Contains(configured, entry => entry.Key.Flag == "beta-banner" && entry.Value == "False|");
        Assert.Contains(configured, entry => entry.Key.Flag == "checkout-theme" && entry.Value == "True|green");
        await AssertServesAsync(app, configured, experiment: null);

        // The service starts an experiment on that key: it wins there, configuration keeps the rest.
        var before = app.Status.DefinitionsVersion;
        var experiment = SampleDefinitions.Running(rollout: 60, controlWeight: 50);
        experiment.Id = "";
        experiment.Status = ExperimentStatus.Unspecified;
        experiment.Revision = 0;
        await service.CreateAndStartAsync("engine-v2", experiment);
        await app.Status.WaitForDefinitionsAsync(before + 1, timeout.Token);
        var request = new AssignBatchRequest { FlagKeys = { SampleDefinitions.Flag } };
        request.Contexts.AddRange(Enumerable.Range(0, Users).Select(i => new EvaluationContext { UserId = User(i) }));
        var assigned = (await service.AssignBatchAsync(request)).Results.Select(r => r.Assignments[0]).ToArray();
        await AssertServesAsync(app, configured, assigned);

        // Snapshots (what FeatureGate and the tag helpers use) answer the same.
        using (var scope = app.Services.CreateScope())
        using (ExperimentsContext.ForUnit(User(3)))
        {
            var snapshot = scope.ServiceProvider.GetRequiredService<IVariantFeatureManagerSnapshot>();
            Assert.Equal(assigned[3].VariantKey, (await snapshot.GetVariantAsync(SampleDefinitions.Flag, timeout.Token)).Name);
            Assert.Equal(configured[("checkout-theme", 3)], $"{await snapshot.IsEnabledAsync("checkout-theme", timeout.Token)}|{(await snapshot.GetVariantAsync("checkout-theme", timeout.Token))?.Name}");
        }
    }

    private static async Task AssertServesAsync(SdkApp app, Dictionary<(string Flag, int User), string> configured, VariantAssignment[]? experiment)
    {
        for (var i = 0; i < Users; i++)
        {
            foreach (var flag in Flags)
            {
                var expected = experiment is not null && flag == SampleDefinitions.Flag
                    ? experiment[i].InExperiment + "|" + experiment[i].VariantKey
                    : configured[(flag, i)];
                var served = await app.GetAsync("/flags/" + flag, ("x-user-id", User(i)));
                Assert.True(expected == served, $"{flag} for {User(i)}: expected {expected}, the SDK served {served}");
            }
            // Variant services follow the same definitions.
            var engine = experiment?[i].VariantKey ?? configured[(SampleDefinitions.Flag, i)].Split('|')[1];
            Assert.Equal(engine, await app.QuoteAsync(User(i)));
        }
    }

    /// <summary>What Microsoft.FeatureManagement alone answers for each flag and user, the user as its targeting context.</summary>
    private static async Task<Dictionary<(string Flag, int User), string>> ExpectedFromConfigurationAsync(IVariantFeatureManager features)
    {
        var expected = new Dictionary<(string, int), string>();
        for (var i = 0; i < Users; i++)
        {
            var target = new TargetingContext { UserId = User(i), Groups = [] };
            foreach (var flag in Flags)
            {
                var enabled = await features.IsEnabledAsync(flag, target, CancellationToken.None);
                var variant = await features.GetVariantAsync(flag, target, CancellationToken.None);
                expected[(flag, i)] = $"{enabled}|{variant?.Name}";
            }
        }
        return expected;
    }

    private static ServiceProvider ReferenceFeatureManager()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(Configuration).Build());
        services.AddFeatureManagement();
        return services.BuildServiceProvider();
    }

    private static string User(int i) => "user-" + i;
}
