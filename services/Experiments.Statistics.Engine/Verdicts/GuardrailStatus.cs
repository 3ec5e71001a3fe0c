namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>Where a guardrail's always-valid interval lies against its tolerance.</summary>
public enum GuardrailStatus
{
    /// <summary>The interval's harmful bound is inside the tolerance: non-inferiority is shown.</summary>
    WithinTolerance,

    /// <summary>The whole interval lies beyond the tolerance: harm beyond it is shown (ROLL_BACK).</summary>
    BeyondTolerance,

    /// <summary>The interval still straddles the tolerance (or there are too few data to have one).</summary>
    NotYetShown,
}
