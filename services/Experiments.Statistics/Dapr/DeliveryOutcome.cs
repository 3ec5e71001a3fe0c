namespace Experiments.Statistics.Dapr;

/// <summary>What became of a message delivered by pub/sub.</summary>
internal enum DeliveryOutcome
{
    /// <summary>Its events were applied (those the engine attributes).</summary>
    Applied,

    /// <summary>A message with this id was applied before: nothing was done.</summary>
    AlreadyApplied,

    /// <summary>An event's unit has no exposure here yet: nothing was recorded; the broker should redeliver it.</summary>
    UnitNotExposed,

    /// <summary>An event breaks the forwarded-event rules: nothing was recorded; redelivering cannot help.</summary>
    Invalid,
}
