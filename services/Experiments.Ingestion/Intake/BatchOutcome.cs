using Experiments.Ingestion.Validation;

namespace Experiments.Ingestion.Intake;

/// <summary>What became of one batch: every event is exactly one of accepted, duplicate or rejected.</summary>
public sealed record BatchOutcome(long Sequence, int Accepted, int Duplicates, IReadOnlyList<EventRejectionInfo> Rejections);
