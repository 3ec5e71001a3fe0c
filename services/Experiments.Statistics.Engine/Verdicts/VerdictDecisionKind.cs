namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>The overall conclusion about an experiment.</summary>
public enum VerdictDecisionKind
{
    /// <summary>A primary KPI is significantly better and no guardrail is harmed.</summary>
    Ship,

    /// <summary>A guardrail is significantly worse than its tolerance.</summary>
    RollBack,

    /// <summary>No conclusion yet.</summary>
    KeepRunning,

    /// <summary>Horizon reached, primary effect bounded within ±MDE.</summary>
    Inconclusive,

    /// <summary>The data cannot be trusted (sample ratio mismatch, data quality).</summary>
    Invalid,
}
