using Experiments.Contracts.V1;

namespace Experiments.Ingestion.Validation;

/// <summary>Why one event of a batch was refused: its index, id, the rule it broke, the field and a readable message.</summary>
public readonly record struct EventRejectionInfo(int Index, string EventId, EventRejectionReason Reason, string Field, string Message);
