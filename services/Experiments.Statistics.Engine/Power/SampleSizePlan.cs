namespace Experiments.Statistics.Engine.Power;

/// <summary>The units needed to detect a minimum effect with a two-sided test.</summary>
/// <param name="ExactControlUnits">The real-valued solution for the control arm, before rounding up.</param>
/// <param name="ControlUnits">Control units to collect (rounded up).</param>
/// <param name="TreatmentUnits">Treatment units to collect: control units × allocation ratio, rounded up.</param>
/// <param name="AbsoluteEffect">The minimum detectable effect in the metric's units (relative MDE × |baseline mean|).</param>
/// <param name="StandardizedEffect">The absolute effect divided by the baseline standard deviation (Cohen's d).</param>
public sealed record SampleSizePlan(
    double ExactControlUnits,
    long ControlUnits,
    long TreatmentUnits,
    double AbsoluteEffect,
    double StandardizedEffect)
{
    /// <summary>Units in both arms together.</summary>
    public long TotalUnits => ControlUnits + TreatmentUnits;
}
