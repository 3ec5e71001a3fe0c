namespace Experiments.Statistics.Checkpoints;

/// <summary>Durable storage of a shard's checkpoint (positions and state together, atomically).</summary>
internal interface ICheckpointStore
{
    Task SaveAsync(string shard, long sequence, byte[] state, CancellationToken cancellationToken);

    Task<byte[]?> LoadAsync(string shard, CancellationToken cancellationToken);
}
