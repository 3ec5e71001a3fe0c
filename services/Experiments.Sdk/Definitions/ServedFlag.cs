using Experiments.Assignment.Evaluation;
using Microsoft.FeatureManagement;

namespace Experiments.Sdk.Definitions;

/// <summary>
/// One experiment's flag as the SDK serves it: the service's compiled evaluator, the Microsoft.FeatureManagement
/// <see cref="Variant"/> of each arm built once (so serving one allocates nothing), and the salts that key the
/// exposure memory per arm.
/// </summary>
internal sealed class ServedFlag
{
    public ServedFlag(CompiledExperiment experiment, FeatureDefinition feature)
    {
        Experiment = experiment;
        var keys = experiment.VariantKeys;
        Variants = new Variant[keys.Length];
        ExposureSalts = new ulong[keys.Length];
        var definitions = feature.Variants?.ToArray() ?? [];
        for (var i = 0; i < keys.Length; i++)
        {
            var definition = Array.Find(definitions, v => v.Name == keys[i]);
            Variants[i] = new Variant { Name = keys[i], Configuration = definition?.ConfigurationValue };
            ExposureSalts[i] = UnitHash.SaltState("exposure\n" + experiment.Definition.Id + "\n" + experiment.Definition.Revision + "\n" + keys[i]);
        }
    }

    public CompiledExperiment Experiment { get; }

    public Variant[] Variants { get; }

    public ulong[] ExposureSalts { get; }
}
