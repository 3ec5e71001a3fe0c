namespace Experiments.Assignment.Evaluation;

/// <summary>Why a unit got its variant; checked in this order, the first that applies wins.</summary>
public enum AssignmentOutcome
{
    UnknownFlag = 1,
    ExperimentNotRunning = 2,
    MissingUnitId = 3,
    NotTargeted = 4,
    Holdout = 5,
    LayerOtherExperiment = 6,
    OutsideRollout = 7,
    Assigned = 8,
}
