using Experiments.Assignment.Definitions;

namespace Experiments.Assignment.Storage;

/// <summary>
/// Durable home of the definitions: every revision of every experiment with the audit record of the change that
/// produced it, and a store-wide version that grows by one per committed change.
/// </summary>
public interface IExperimentStore
{
    /// <summary>The latest revision of every experiment (archived ones too) and the store's version.</summary>
    Task<StoreSnapshot> LoadAsync(CancellationToken cancellationToken);

    /// <summary>A given revision of an experiment, or null when it does not exist.</summary>
    Task<ExperimentDefinition?> GetRevisionAsync(string experimentId, long revision, CancellationToken cancellationToken);

    /// <summary>
    /// Commits <paramref name="definition"/> as the experiment's next revision together with its audit record,
    /// atomically and durably, and returns the new store version (<paramref name="expectedVersion"/> + 1).
    /// Throws <see cref="StaleRevisionException"/> when the store is no longer at <paramref name="expectedVersion"/>
    /// (another writer committed since the caller loaded) or the experiment's stored revision is not
    /// <c>definition.Revision - 1</c>: cross-experiment rules were checked against a view that is now stale.
    /// </summary>
    Task<long> CommitAsync(ExperimentDefinition definition, AuditRecord audit, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Throws when the store cannot take a write now (the SQLite file is read-only or locked, the state store is unreachable).</summary>
    Task ProbeAsync(CancellationToken cancellationToken);

    /// <summary>True when other processes may write the same store (Dapr), so readers must poll for changes.</summary>
    bool IsShared { get; }

    /// <summary>Audit records, newest first, of one experiment or (with null) of all, before a cursor (0 = from the newest).</summary>
    Task<AuditPage> ListAuditAsync(string? experimentId, long beforeVersion, int pageSize, CancellationToken cancellationToken);
}

/// <summary>The latest revision of every experiment at one store version.</summary>
public sealed record StoreSnapshot(long Version, IReadOnlyList<ExperimentDefinition> Experiments);

/// <summary>A page of audit records; <see cref="NextBeforeVersion"/> is 0 on the last page.</summary>
public sealed record AuditPage(IReadOnlyList<AuditRecord> Records, long NextBeforeVersion);
