namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>What <see cref="ShardAggregator.ApplyWithResult"/> did with an event.</summary>
public enum ApplyResult
{
    /// <summary>Applied to at least one experiment.</summary>
    Applied,

    /// <summary>Its event id was seen before: dropped.</summary>
    Duplicate,

    /// <summary>
    /// Not applied for another reason: an exposure to an unknown experiment or variant, an event dated before its
    /// unit's exposure or after the analysis ended, or one no KPI uses.
    /// </summary>
    NotAttributed,

    /// <summary>
    /// A request, activity or custom-metric event whose unit no experiment has seen exposed (yet): its exposure may
    /// still be on its way.
    /// </summary>
    UnknownUnit,
}
