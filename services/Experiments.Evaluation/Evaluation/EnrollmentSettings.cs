using Experiments.Assignment.Definitions;

namespace Experiments.Assignment.Evaluation;

/// <summary>What <see cref="EnrollmentFilter"/> checks for one experiment revision, bound once per FeatureDefinition.</summary>
public sealed class EnrollmentSettings(ExperimentDefinition definition)
{
    public ExperimentDefinition Definition { get; } = definition;

    public TargetingMatcher? Targeting { get; } = TargetingMatcher.Create(definition.Targeting);
}
