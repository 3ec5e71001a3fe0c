using Microsoft.Extensions.DependencyInjection;
using Microsoft.FeatureManagement;
using Microsoft.FeatureManagement.FeatureFilters;

namespace Experiments.Sdk.Evaluation;

/// <summary>
/// The flags that are not experiments: those of the app's own definition provider (configuration by default),
/// evaluated by Microsoft.FeatureManagement's FeatureManager exactly as without the SDK. When the app registered no
/// <see cref="ITargetingContextAccessor"/>, the unit the SDK serves is their targeting context (user id and groups),
/// so targeting filters and variant allocations in configuration see the same unit as the experiments.
/// </summary>
internal sealed class ConfiguredFlags
{
    private readonly IFeatureDefinitionProvider? _definitions;
    private readonly Lazy<FeatureManager> _features;
    private readonly bool _ownTargeting;

    public ConfiguredFlags(IServiceProvider services)
    {
        var definitions = services.GetRequiredService<IFeatureDefinitionProvider>();
        // The SDK's provider, unless the app replaced it after AddExperiments.
        _definitions = definitions is ExperimentsDefinitionProvider sdk ? sdk.Other : definitions;
        // Resolved on first use: FeatureManager is built from the very providers this class is part of.
        _features = new Lazy<FeatureManager>(services.GetRequiredService<FeatureManager>);
        _ownTargeting = services.GetService<IServiceProviderIsService>()?.IsService(typeof(ITargetingContextAccessor)) != true;
    }

    /// <summary>True when the app's provider declares <paramref name="feature"/>.</summary>
    public async ValueTask<bool> DeclaresAsync(string feature) =>
        _definitions is not null && await _definitions.GetFeatureDefinitionAsync(feature).ConfigureAwait(false) is not null;

    public ValueTask<Variant> GetVariantAsync(string feature, in ServedUnit unit, CancellationToken cancellationToken) =>
        _ownTargeting && !unit.IsNone
            ? _features.Value.GetVariantAsync(feature, TargetingOf(unit), cancellationToken)
            : _features.Value.GetVariantAsync(feature, cancellationToken);

    public ValueTask<Variant> GetVariantAsync(string feature, ITargetingContext context, CancellationToken cancellationToken) =>
        _features.Value.GetVariantAsync(feature, context, cancellationToken);

    public ValueTask<bool> IsEnabledAsync(string feature, in ServedUnit unit, CancellationToken cancellationToken) =>
        _ownTargeting && !unit.IsNone
            ? _features.Value.IsEnabledAsync(feature, TargetingOf(unit), cancellationToken)
            : _features.Value.IsEnabledAsync(feature, cancellationToken);

    public ValueTask<bool> IsEnabledAsync<TContext>(string feature, TContext context, CancellationToken cancellationToken) =>
        _features.Value.IsEnabledAsync(feature, context, cancellationToken);

    public IAsyncEnumerable<string> GetFeatureNamesAsync(CancellationToken cancellationToken) =>
        _features.Value.GetFeatureNamesAsync(cancellationToken);

    private static TargetingContext TargetingOf(in ServedUnit unit) => new() { UserId = unit.UserId, Groups = unit.Groups };
}
