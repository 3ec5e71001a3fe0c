using Experiments.Statistics.Checkpoints;

namespace Experiments.Statistics.Tests.Support;

/// <summary>Wraps a store and records what each save wrote; can fail saves on demand.</summary>
internal sealed class RecordingCheckpointStore(ICheckpointStore inner) : ICheckpointStore
{
    public List<(bool Full, int Bytes)> Saves { get; } = [];

    public int FailNext { get; set; }

    public bool SupportsDeltas => inner.SupportsDeltas;

    public async Task SaveAsync(string shard, long sequence, byte[] record, bool full, CancellationToken cancellationToken)
    {
        if (FailNext > 0)
        {
            FailNext--;
            throw new IOException("disk full (test)");
        }
        await inner.SaveAsync(shard, sequence, record, full, cancellationToken);
        Saves.Add((full, record.Length));
    }

    public Task ProbeAsync(CancellationToken cancellationToken) => inner.ProbeAsync(cancellationToken);

    public Task<IReadOnlyList<byte[]>?> LoadAsync(string shard, CancellationToken cancellationToken) => inner.LoadAsync(shard, cancellationToken);
}
