namespace Experiments.Assignment.Definitions;

/// <summary>Filters of ListExperiments: empty statuses means all but archived; empty strings mean any.</summary>
public sealed record ExperimentQuery(IReadOnlyList<ExperimentState> States, string Layer, string FlagKey);

/// <summary>A page of experiments, newest first; <see cref="NextPageToken"/> is empty on the last page.</summary>
public sealed record ExperimentPage(IReadOnlyList<ExperimentDefinition> Experiments, string NextPageToken);

/// <summary>A page of audit records, newest first; <see cref="NextPageToken"/> is empty on the last page.</summary>
public sealed record AuditRecordPage(IReadOnlyList<AuditRecord> Records, string NextPageToken);

/// <summary>A variant's new weight in a ramp.</summary>
public sealed record WeightChange(string VariantKey, double Weight);
