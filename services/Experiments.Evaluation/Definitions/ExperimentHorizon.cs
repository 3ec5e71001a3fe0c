namespace Experiments.Assignment.Definitions;

/// <summary>Planned end: whichever of the limits is reached first; both zero means open-ended.</summary>
public sealed record ExperimentHorizon(TimeSpan MaxDuration, long MaxUnits)
{
    public static readonly ExperimentHorizon OpenEnded = new(TimeSpan.Zero, 0);
}
