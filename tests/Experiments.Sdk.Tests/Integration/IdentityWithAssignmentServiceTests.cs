using Experiments.Contracts.V1;
using Experiments.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FeatureManagement;

namespace Experiments.Sdk.Tests.Integration;

/// <summary>
/// The SDK, fed by the real assignment service's WatchDefinitions over a socket, must serve every unit the
/// variant the service's own Assign path decides — through variant services, the way a backend uses it.
/// </summary>
public sealed class IdentityWithAssignmentServiceTests
{
    private const int Units = 20_000;

    [Fact]
    public async Task Variant_services_resolve_every_unit_as_the_assignment_service_assigns_it_also_after_a_ramp()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var service = await AssignmentHost.StartAsync();
        // Both paths of the evaluator that can disagree: a holdout and a layer segment in front of a partial rollout.
        var experiment = SampleDefinitions.Running(rollout: 30, controlWeight: 40);
        experiment.Id = "";
        experiment.Status = ExperimentStatus.Unspecified;
        experiment.Revision = 0;
        experiment.Layer = new LayerPlacement { Name = "order-path", TrafficPercent = 80 };
        experiment.Holdout = new Holdout { Name = "global", Percent = 5 };
        var started = await service.CreateAndStartAsync("engine-v2", experiment);
        await using var app = await SdkApp.StartAsync(options =>
        {
            options.AssignmentAddress = service.Address;
            options.ApiKey = AssignmentHost.ReadKey;
        });
        await app.Status.WaitForDefinitionsAsync(0, timeout.Token);

        var inExperiment = await AssertIdenticalAsync(service, app);
        // Every outcome is exercised, so agreement means something.
        Assert.InRange(inExperiment, Units * 0.15, Units * 0.30);

        var before = app.Status.DefinitionsVersion;
        await service.RampAsync("engine-v2", started.Revision, 60);
        await app.Status.WaitForDefinitionsAsync(before + 1, timeout.Token);
        var afterRamp = await AssertIdenticalAsync(service, app);
        Assert.True(afterRamp > inExperiment * 1.5, $"{afterRamp} units in the experiment after ramping 30% → 60%, {inExperiment} before");
    }

    private static async Task<int> AssertIdenticalAsync(AssignmentHost service, SdkApp app)
    {
        var engines = app.Services.GetRequiredService<IVariantServiceProvider<IOrderEngine>>();
        var features = app.Services.GetRequiredService<IVariantFeatureManager>();
        var inExperiment = 0;
        for (var first = 0; first < Units; first += 1000)
        {
            var request = new AssignBatchRequest { FlagKeys = { SampleDefinitions.Flag } };
            for (var i = first; i < first + 1000; i++)
            {
                request.Contexts.Add(new EvaluationContext { UserId = UnitId(i) });
            }
            var response = await service.AssignBatchAsync(request);
            for (var i = first; i < first + 1000; i++)
            {
                var expected = response.Results[i - first].Assignments[0];
                using (ExperimentsContext.ForUnit(UnitId(i)))
                {
                    var engine = await engines.GetServiceAsync(CancellationToken.None);
                    var enabled = await features.IsEnabledAsync(SampleDefinitions.Flag, CancellationToken.None);
                    if (engine.Variant != expected.VariantKey || enabled != expected.InExperiment)
                    {
                        Assert.Fail($"unit {UnitId(i)}: the service assigns {expected.VariantKey} (in experiment {expected.InExperiment}, {expected.Reason}), the SDK serves {engine.Variant} (enabled {enabled})");
                    }
                }
                inExperiment += expected.InExperiment ? 1 : 0;
            }
        }
        return inExperiment;
    }

    /// <summary>Sequential ids, some non-ASCII, so both UTF-8 paths of the hashes are exercised.</summary>
    private static string UnitId(int i) => i % 97 == 0 ? $"usér-{i}-🙂" : "user-" + i;
}
