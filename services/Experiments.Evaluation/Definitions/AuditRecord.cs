namespace Experiments.Assignment.Definitions;

/// <summary>One committed change: who, when, what, and the revision it produced. Never edited afterwards.</summary>
public sealed record AuditRecord(
    string ExperimentId,
    long Revision,
    DateTimeOffset CommitTime,
    string Actor,
    AuditOperation Operation,
    string Reason,
    string Summary,
    IReadOnlyList<FieldChangeRecord> Changes);

/// <summary>A field's value before and after a change, rendered as text.</summary>
public sealed record FieldChangeRecord(string FieldPath, string Before, string After);

public enum AuditOperation
{
    Create = 1,
    Update = 2,
    Start = 3,
    Stop = 4,
    Ramp = 5,
    Archive = 6,
}
