namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>How a KPI counts towards the verdict.</summary>
public enum MetricRole
{
    /// <summary>SHIP needs a primary KPI significantly better.</summary>
    Primary,

    /// <summary>Must not get worse beyond its tolerance; a breach means ROLL_BACK.</summary>
    Guardrail,

    /// <summary>Reported, not decisive.</summary>
    Secondary,
}
