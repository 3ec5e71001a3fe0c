namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>Which direction of change is an improvement.</summary>
public enum DesiredDirection
{
    /// <summary>Higher is better.</summary>
    Increase,

    /// <summary>Lower is better.</summary>
    Decrease,
}
