using Experiments.Assignment.Definitions;
using Microsoft.Extensions.Configuration;
using Microsoft.FeatureManagement;

namespace Experiments.Assignment.Evaluation;

/// <summary>
/// An experiment as a Microsoft.FeatureManagement feature: enabled for a unit when <see cref="EnrollmentFilter"/>
/// admits it (targeting, holdout, layer segment, rollout), then a variant by percentile allocation with the
/// experiment's seed; units not enrolled, and everyone while the experiment is not running, get
/// DefaultWhenDisabled (the default variant, or the final one once stopped).
/// </summary>
public static class FeatureDefinitionMapper
{
    public static FeatureDefinition ToFeatureDefinition(CompiledExperiment compiled)
    {
        var definition = compiled.Definition;
        var running = definition.State == ExperimentState.Running;
        var notRunningKey = definition.State == ExperimentState.Stopped && definition.FinalVariantKey.Length > 0
            ? definition.FinalVariantKey
            : definition.ResolvedDefaultVariantKey();
        var ranges = compiled.Ranges;
        return new FeatureDefinition
        {
            Name = definition.FlagKey,
            Status = running ? FeatureStatus.Conditional : FeatureStatus.Disabled,
            RequirementType = RequirementType.All,
            EnabledFor =
            [
                new FeatureFilterConfiguration
                {
                    Name = EnrollmentFilter.Alias,
                    Parameters = new ConfigurationBuilder().Build(),
                    ParametersObject = new EnrollmentSettings(definition),
                },
            ],
            Allocation = new Allocation
            {
                DefaultWhenDisabled = running ? definition.ResolvedDefaultVariantKey() : notRunningKey,
                DefaultWhenEnabled = definition.ResolvedDefaultVariantKey(),
                Seed = CompiledExperiment.AllocationSeed(definition),
                Percentile = ranges.VariantIndexes
                    .Select((variant, i) => new PercentileAllocation { Variant = definition.Variants[variant].Key, From = ranges.From[i], To = ranges.To[i] })
                    .ToArray(),
            },
            Variants = definition.Variants.Select(v => new VariantDefinition
            {
                Name = v.Key,
                ConfigurationValue = PayloadSection(v.Payload),
            }).ToArray(),
        };
    }

    private static IConfigurationSection PayloadSection(string payload) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("payload", payload)])
            .Build()
            .GetSection("payload");
}
