namespace Experiments.Assignment.Evaluation;

/// <summary>The variant one unit is served for one flag, and why. A value type: evaluating allocates nothing.</summary>
public readonly record struct AssignmentDecision(CompiledExperiment? Experiment, int VariantIndex, AssignmentOutcome Outcome)
{
    public bool InExperiment => Outcome == AssignmentOutcome.Assigned;

    /// <summary>Empty for an unknown flag.</summary>
    public string VariantKey => Experiment is null ? "" : Experiment.VariantKeys[VariantIndex];

    public string Payload => Experiment is null ? "" : Experiment.Payloads[VariantIndex];
}
