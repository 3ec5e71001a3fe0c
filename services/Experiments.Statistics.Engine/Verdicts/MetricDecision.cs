namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>Outcome of one KPI comparison.</summary>
public enum MetricDecision
{
    /// <summary>Significantly better in the desired direction.</summary>
    Better,

    /// <summary>Significantly worse; for a guardrail, worse beyond its tolerance.</summary>
    Worse,

    /// <summary>Guardrails: significantly worse, not beyond the tolerance.</summary>
    WorseWithinTolerance,

    /// <summary>No significant difference yet.</summary>
    NoSignificantDifference,

    /// <summary>No significant difference and the always-valid interval lies within ±MDE.</summary>
    Equivalent,

    /// <summary>Too little data to test.</summary>
    InsufficientData,

    /// <summary>Not tested because the verdict is INVALID.</summary>
    NotEvaluated,
}
