using Microsoft.FeatureManagement;

namespace Experiments.Assignment.Evaluation;

/// <summary>Serves the current definitions to Microsoft.FeatureManagement: one feature per non-archived experiment.</summary>
public sealed class ExperimentFeatureDefinitionProvider(Func<DefinitionSet> current) : IFeatureDefinitionProvider
{
    public Task<FeatureDefinition> GetFeatureDefinitionAsync(string featureName) =>
        Task.FromResult(current().FeatureDefinitions.GetValueOrDefault(featureName)!);

    public async IAsyncEnumerable<FeatureDefinition> GetAllFeatureDefinitionsAsync()
    {
        foreach (var feature in current().FeatureDefinitions.Values)
        {
            yield return feature;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }
}
