using Experiments.Assignment.Evaluation;
using Experiments.Sdk.Definitions;
using Microsoft.FeatureManagement;

namespace Experiments.Sdk.Evaluation;

/// <summary>
/// Microsoft.FeatureManagement's definition provider with the SDK: the assignment service's experiments first, then
/// whatever provider the app had (by default Microsoft.FeatureManagement's ConfigurationFeatureDefinitionProvider,
/// which reads the <c>feature_management</c> and <c>FeatureManagement</c> sections), so plain feature flags declared
/// in configuration keep working for keys that are not experiments.
/// </summary>
internal sealed class ExperimentsDefinitionProvider : IFeatureDefinitionProvider, IDisposable
{
    private readonly ExperimentFeatureDefinitionProvider _experiments;
    private readonly bool _ownsOther;

    public ExperimentsDefinitionProvider(DefinitionsStore store, IFeatureDefinitionProvider? other, bool ownsOther)
    {
        _experiments = new ExperimentFeatureDefinitionProvider(() => store.Current.Set);
        Other = other;
        _ownsOther = ownsOther;
    }

    /// <summary>The app's own provider (configuration, unless it registered another), or null.</summary>
    public IFeatureDefinitionProvider? Other { get; }

    public async Task<FeatureDefinition> GetFeatureDefinitionAsync(string featureName)
    {
        var experiment = await _experiments.GetFeatureDefinitionAsync(featureName).ConfigureAwait(false);
        if (experiment is not null || Other is null)
        {
            return experiment!;
        }
        return await Other.GetFeatureDefinitionAsync(featureName).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<FeatureDefinition> GetAllFeatureDefinitionsAsync()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var definition in _experiments.GetAllFeatureDefinitionsAsync().ConfigureAwait(false))
        {
            names.Add(definition.Name);
            yield return definition;
        }
        if (Other is null)
        {
            yield break;
        }
        await foreach (var definition in Other.GetAllFeatureDefinitionsAsync().ConfigureAwait(false))
        {
            if (names.Add(definition.Name))
            {
                yield return definition;
            }
        }
    }

    public void Dispose()
    {
        if (_ownsOther && Other is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
