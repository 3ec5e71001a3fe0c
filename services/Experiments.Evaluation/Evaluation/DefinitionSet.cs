using System.Collections.Frozen;
using Experiments.Assignment.Definitions;

namespace Experiments.Assignment.Evaluation;

/// <summary>
/// The served definitions (every non-archived experiment) at one store version, compiled for evaluation.
/// Immutable: a change builds a new set, which readers pick up with one volatile read.
/// </summary>
public sealed class DefinitionSet
{
    public static readonly DefinitionSet Empty = new(0, []);

    private readonly FrozenDictionary<string, CompiledExperiment> _byFlag;
    private FrozenDictionary<string, Microsoft.FeatureManagement.FeatureDefinition>? _features;

    public DefinitionSet(long version, IEnumerable<ExperimentDefinition> definitions)
    {
        Version = version;
        Experiments = definitions
            .Where(d => d.State != ExperimentState.Archived)
            .OrderBy(d => d.FlagKey, StringComparer.Ordinal)
            .Select(d => new CompiledExperiment(d))
            .ToArray();
        _byFlag = Experiments.ToFrozenDictionary(e => e.Definition.FlagKey, StringComparer.Ordinal);
    }

    public long Version { get; }

    /// <summary>Ordered by flag key.</summary>
    public IReadOnlyList<CompiledExperiment> Experiments { get; }

    public CompiledExperiment? Find(string flagKey) => _byFlag.GetValueOrDefault(flagKey);

    public AssignmentDecision Evaluate(string flagKey, UnitContext context) =>
        _byFlag.TryGetValue(flagKey, out var experiment)
            ? experiment.Evaluate(context)
            : new AssignmentDecision(null, 0, AssignmentOutcome.UnknownFlag);

    /// <summary>The Microsoft.FeatureManagement definitions of this set, built on first use.</summary>
    public FrozenDictionary<string, Microsoft.FeatureManagement.FeatureDefinition> FeatureDefinitions =>
        _features ??= Experiments.ToFrozenDictionary(
            e => e.Definition.FlagKey,
            e => FeatureDefinitionMapper.ToFeatureDefinition(e),
            StringComparer.Ordinal);
}
