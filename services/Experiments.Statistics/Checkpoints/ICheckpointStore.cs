namespace Experiments.Statistics.Checkpoints;

/// <summary>
/// Durable storage of a shard's checkpoint: a full record, then delta records written after it, each holding the
/// positions and the state together, committed atomically. Writing a full record drops the deltas before it.
/// </summary>
internal interface ICheckpointStore
{
    /// <summary>Whether delta records can be stored; when not, every record is full.</summary>
    bool SupportsDeltas { get; }

    Task SaveAsync(string shard, long sequence, byte[] record, bool full, CancellationToken cancellationToken);

    /// <summary>Throws when the store cannot take a checkpoint now (the SQLite file is read-only or locked, the state store is unreachable).</summary>
    Task ProbeAsync(CancellationToken cancellationToken);

    /// <summary>The last full record and the deltas after it, in order; null when nothing was saved.</summary>
    Task<IReadOnlyList<byte[]>?> LoadAsync(string shard, CancellationToken cancellationToken);
}
