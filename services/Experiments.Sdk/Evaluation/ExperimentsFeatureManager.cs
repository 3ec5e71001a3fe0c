using Experiments.Assignment.Evaluation;
using Experiments.Sdk.Definitions;
using Microsoft.FeatureManagement;
using Microsoft.FeatureManagement.FeatureFilters;

namespace Experiments.Sdk.Evaluation;

/// <summary>
/// The SDK's <see cref="IVariantFeatureManager"/> (and <see cref="IFeatureManager"/>): for a flag the assignment
/// service serves, decides with the service's own precompiled evaluator (proven identical to Microsoft.FeatureManagement's
/// FeatureManager over the same FeatureDefinition), for the unit on the current flow (<see cref="ExperimentsContext"/>)
/// or the one passed in; returns a Variant built once per arm, so serving a variant allocates nothing; records the
/// exposure. A flag it does not know (no definitions yet, assignment unreachable) serves the fallback variant
/// registered for it, or none.
/// </summary>
internal sealed class ExperimentsFeatureManager(DefinitionsStore store, ExposureRecorder exposures, FallbackVariants fallbacks)
    : IVariantFeatureManager, IFeatureManager
{
    private static readonly UnitContext NoUnit = new();

    public ValueTask<Variant> GetVariantAsync(string feature, CancellationToken cancellationToken = default) =>
        new(GetVariant(feature, ExperimentsContext.Current ?? NoUnit));

    public ValueTask<Variant> GetVariantAsync(string feature, ITargetingContext context, CancellationToken cancellationToken = default) =>
        new(GetVariant(feature, ToUnit(context)));

    public ValueTask<bool> IsEnabledAsync(string feature, CancellationToken cancellationToken = default) =>
        new(IsEnabled(feature, ExperimentsContext.Current ?? NoUnit));

    public ValueTask<bool> IsEnabledAsync<TContext>(string feature, TContext context, CancellationToken cancellationToken = default) =>
        new(IsEnabled(feature, context is ITargetingContext targeting ? ToUnit(targeting) : ExperimentsContext.Current ?? NoUnit));

    public async IAsyncEnumerable<string> GetFeatureNamesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var experiment in store.Current.Set.Experiments)
        {
            yield return experiment.Definition.FlagKey;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    Task<bool> IFeatureManager.IsEnabledAsync(string feature) => Task.FromResult(IsEnabled(feature, ExperimentsContext.Current ?? NoUnit));

    Task<bool> IFeatureManager.IsEnabledAsync<TContext>(string feature, TContext context) =>
        Task.FromResult(IsEnabled(feature, context is ITargetingContext targeting ? ToUnit(targeting) : ExperimentsContext.Current ?? NoUnit));

    IAsyncEnumerable<string> IFeatureManager.GetFeatureNamesAsync() => GetFeatureNamesAsync();

    /// <summary>The variant for <paramref name="unit"/>; records the exposure when the unit is in the experiment.</summary>
    public Variant GetVariant(string feature, UnitContext unit)
    {
        var flag = store.Current.Find(feature);
        if (flag is null)
        {
            return fallbacks.For(feature)!;
        }
        var decision = flag.Experiment.Evaluate(unit);
        if (decision.InExperiment)
        {
            exposures.Record(flag, decision, unit);
        }
        return flag.Variants[decision.VariantIndex];
    }

    private bool IsEnabled(string feature, UnitContext unit)
    {
        var flag = store.Current.Find(feature);
        if (flag is null)
        {
            return false;
        }
        var decision = flag.Experiment.Evaluate(unit);
        if (decision.InExperiment)
        {
            exposures.Record(flag, decision, unit);
        }
        return decision.InExperiment;
    }

    private static UnitContext ToUnit(ITargetingContext context) => context switch
    {
        UnitTargetingContext unit => unit.Context,
        null => ExperimentsContext.Current ?? NoUnit,
        _ => new UnitContext { UserId = context.UserId ?? "", Groups = context.Groups?.ToArray() ?? [] },
    };
}
