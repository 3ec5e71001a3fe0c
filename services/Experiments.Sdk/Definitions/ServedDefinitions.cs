using System.Collections.Frozen;
using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;

namespace Experiments.Sdk.Definitions;

/// <summary>The definitions the SDK evaluates with at one version. Immutable: an update builds a new instance.</summary>
internal sealed class ServedDefinitions
{
    public static readonly ServedDefinitions Empty = new(DefinitionSet.Empty);

    private readonly FrozenDictionary<string, ServedFlag> _flags;

    public ServedDefinitions(DefinitionSet set)
    {
        Set = set;
        var features = set.FeatureDefinitions;
        var flags = new Dictionary<string, ServedFlag>(StringComparer.Ordinal);
        foreach (var experiment in set.Experiments)
        {
            var flagKey = experiment.Definition.FlagKey;
            flags[flagKey] = new ServedFlag(experiment, features[flagKey]);
            HasRequestUnit |= experiment.Definition.Unit == UnitKind.Request && experiment.Definition.State == ExperimentState.Running;
        }
        _flags = flags.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public DefinitionSet Set { get; }

    public long Version => Set.Version;

    /// <summary>True when a running experiment is randomized by request, so each request needs a request id.</summary>
    public bool HasRequestUnit { get; }

    public ServedFlag? Find(string flagKey) => _flags.GetValueOrDefault(flagKey);
}
