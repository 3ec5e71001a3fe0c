namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>What is randomized; requests nested in users are not independent, so it decides the test.</summary>
public enum RandomizationUnitKind
{
    /// <summary>Sticky per user id.</summary>
    User,

    /// <summary>Sticky per session id.</summary>
    Session,

    /// <summary>Each request on its own (by request id).</summary>
    Request,
}
