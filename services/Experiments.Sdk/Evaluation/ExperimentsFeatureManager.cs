using System.Runtime.CompilerServices;
using Experiments.Assignment.Evaluation;
using Experiments.Sdk.Definitions;
using Microsoft.FeatureManagement;
using Microsoft.FeatureManagement.FeatureFilters;

namespace Experiments.Sdk.Evaluation;

/// <summary>
/// The SDK's <see cref="IVariantFeatureManager"/> (and <see cref="IFeatureManager"/>, which Microsoft.FeatureManagement's
/// snapshots wrap): for a flag the assignment service serves, decides with the service's own precompiled evaluator
/// (proven identical to Microsoft.FeatureManagement's FeatureManager over the same FeatureDefinition), for the unit on
/// the current flow (<see cref="ExperimentsContext"/>) or the one passed in; returns a Variant built once per arm, so
/// serving a variant allocates nothing; records the exposure. Any other flag is evaluated by Microsoft.FeatureManagement
/// from the app's own definitions (configuration) when they declare it; otherwise it serves the fallback variant
/// registered for it (no definitions yet, assignment unreachable), or none.
/// </summary>
internal sealed class ExperimentsFeatureManager(DefinitionsStore store, ExposureRecorder exposures, FallbackVariants fallbacks, ConfiguredFlags? configured = null)
    : IVariantFeatureManager, IFeatureManager
{
    /// <summary>The definitions being served.</summary>
    public ServedDefinitions Definitions => store.Current;

    public ValueTask<Variant> GetVariantAsync(string feature, CancellationToken cancellationToken = default)
    {
        var unit = ExperimentsContext.Current;
        return store.Current.Find(feature) is { } flag
            ? new ValueTask<Variant>(flag.Variants[Decide(flag, unit)])
            : GetOtherVariantAsync(feature, unit, cancellationToken);
    }

    public ValueTask<Variant> GetVariantAsync(string feature, ITargetingContext context, CancellationToken cancellationToken = default)
    {
        if (store.Current.Find(feature) is { } flag)
        {
            return new ValueTask<Variant>(flag.Variants[Decide(flag, UnitOf(context))]);
        }
        return configured is null ? new ValueTask<Variant>(fallbacks.For(feature)!) : GetOtherVariantAsync(feature, context, cancellationToken);
    }

    public ValueTask<bool> IsEnabledAsync(string feature, CancellationToken cancellationToken = default)
    {
        var unit = ExperimentsContext.Current;
        return store.Current.Find(feature) is { } flag
            ? new ValueTask<bool>(IsEnrolled(flag, unit))
            : IsOtherEnabledAsync(feature, unit, cancellationToken);
    }

    public ValueTask<bool> IsEnabledAsync<TContext>(string feature, TContext context, CancellationToken cancellationToken = default)
    {
        if (store.Current.Find(feature) is { } flag)
        {
            return new ValueTask<bool>(IsEnrolled(flag, context is ITargetingContext targeting ? UnitOf(targeting) : ExperimentsContext.Current));
        }
        return configured is null ? new ValueTask<bool>(false) : IsOtherEnabledAsync(feature, context, cancellationToken);
    }

    public async IAsyncEnumerable<string> GetFeatureNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var experiment in store.Current.Set.Experiments)
        {
            names.Add(experiment.Definition.FlagKey);
            yield return experiment.Definition.FlagKey;
        }
        if (configured is null)
        {
            yield break;
        }
        await foreach (var name in configured.GetFeatureNamesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (names.Add(name))
            {
                yield return name;
            }
        }
    }

    Task<bool> IFeatureManager.IsEnabledAsync(string feature) => IsEnabledAsync(feature, CancellationToken.None).AsTask();

    Task<bool> IFeatureManager.IsEnabledAsync<TContext>(string feature, TContext context) => IsEnabledAsync(feature, context, CancellationToken.None).AsTask();

    IAsyncEnumerable<string> IFeatureManager.GetFeatureNamesAsync() => GetFeatureNamesAsync();

    /// <summary>The arm <paramref name="unit"/> is served for <paramref name="flag"/>; records the exposure when the unit is in the experiment.</summary>
    public int Decide(ServedFlag flag, in ServedUnit unit)
    {
        if (CallScope.Current is { } call)
        {
            return DecideInScope(flag, unit, call);
        }
        var decision = unit.Evaluate(flag.Experiment);
        if (decision.InExperiment)
        {
            exposures.Record(flag, decision, unit);
        }
        return decision.VariantIndex;
    }

    /// <summary>A decision inside a replay (forced arm, no exposure) or a captured call (the arm noted for the exchange).</summary>
    private int DecideInScope(ServedFlag flag, in ServedUnit unit, CallScope call)
    {
        var arm = call.ForcedArm(flag);
        if (arm < 0)
        {
            var decision = unit.Evaluate(flag.Experiment);
            if (decision.InExperiment && call.Forced is null)
            {
                exposures.Record(flag, decision, unit);
            }
            arm = decision.VariantIndex;
        }
        call.Served(flag.Experiment.Definition.FlagKey, flag.Variants[arm].Name);
        return arm;
    }

    /// <summary>The variant for <paramref name="unit"/> of a flag the assignment service serves, else the fallback (for tests).</summary>
    public Variant GetVariant(string feature, UnitContext unit) =>
        store.Current.Find(feature) is { } flag ? flag.Variants[Decide(flag, new ServedUnit(unit))] : fallbacks.For(feature)!;

    private bool IsEnrolled(ServedFlag flag, in ServedUnit unit)
    {
        if (CallScope.Current is { } call)
        {
            // A forced arm counts as enrolled; either way the arm served is noted and a replay records no exposure.
            var forced = call.ForcedArm(flag) >= 0;
            _ = DecideInScope(flag, unit, call);
            return forced || unit.Evaluate(flag.Experiment).InExperiment;
        }
        var decision = unit.Evaluate(flag.Experiment);
        if (decision.InExperiment)
        {
            exposures.Record(flag, decision, unit);
        }
        return decision.InExperiment;
    }

    private async ValueTask<Variant> GetOtherVariantAsync(string feature, ServedUnit unit, CancellationToken cancellationToken)
    {
        // A replay may force a flag the assignment service does not serve here (configuration, fallback): by name.
        if (CallScope.Current?.Forced is { } forced && forced.TryGetValue(feature, out var name))
        {
            return new Variant { Name = name };
        }
        if (configured is not null && await configured.DeclaresAsync(feature).ConfigureAwait(false))
        {
            return await configured.GetVariantAsync(feature, unit, cancellationToken).ConfigureAwait(false);
        }
        return fallbacks.For(feature)!;
    }

    private async ValueTask<Variant> GetOtherVariantAsync(string feature, ITargetingContext context, CancellationToken cancellationToken)
    {
        if (await configured!.DeclaresAsync(feature).ConfigureAwait(false))
        {
            return await configured.GetVariantAsync(feature, context, cancellationToken).ConfigureAwait(false);
        }
        return fallbacks.For(feature)!;
    }

    private async ValueTask<bool> IsOtherEnabledAsync(string feature, ServedUnit unit, CancellationToken cancellationToken) =>
        configured is not null
        && await configured.DeclaresAsync(feature).ConfigureAwait(false)
        && await configured.IsEnabledAsync(feature, unit, cancellationToken).ConfigureAwait(false);

    private async ValueTask<bool> IsOtherEnabledAsync<TContext>(string feature, TContext context, CancellationToken cancellationToken) =>
        await configured!.DeclaresAsync(feature).ConfigureAwait(false)
        && await configured.IsEnabledAsync(feature, context, cancellationToken).ConfigureAwait(false);

    private static ServedUnit UnitOf(ITargetingContext? context) => context switch
    {
        null => ExperimentsContext.Current,
        UnitTargetingContext unit => new ServedUnit(unit.Context),
        _ => new ServedUnit(new UnitContext { UserId = context.UserId ?? "", Groups = context.Groups?.ToArray() ?? [] }),
    };
}
