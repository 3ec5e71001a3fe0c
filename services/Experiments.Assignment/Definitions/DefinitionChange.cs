namespace Experiments.Assignment.Definitions;

/// <summary>
/// One committed change as WatchDefinitions subscribers see it: the experiment's new revision, or (when it was
/// archived) its removal from the served set.
/// </summary>
public sealed record DefinitionChange(long Version, ExperimentDefinition Definition)
{
    public bool IsRemoval => Definition.State == ExperimentState.Archived;
}
