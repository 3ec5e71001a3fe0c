using Experiments.Statistics.Checkpoints;

namespace Experiments.Statistics.Tests.Support;

/// <summary>
/// Wraps the real store and holds every save until the gate opens (or fails it while <see cref="Failing"/>),
/// so a test can look at the service between "applied" and "durable".
/// </summary>
internal sealed class GatedCheckpointStore(ICheckpointStore inner) : ICheckpointStore
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _commits;

    public int Commits => Volatile.Read(ref _commits);

    public bool Failing { get; set; }

    public void Open() => _open.TrySetResult();

    public bool SupportsDeltas => inner.SupportsDeltas;

    public async Task SaveAsync(string shard, long sequence, byte[] state, bool full, CancellationToken cancellationToken)
    {
        await _open.Task.WaitAsync(cancellationToken);
        if (Failing)
        {
            throw new IOException("checkpoint store unavailable (test)");
        }
        await inner.SaveAsync(shard, sequence, state, full, cancellationToken);
        Interlocked.Increment(ref _commits);
    }

    public Task ProbeAsync(CancellationToken cancellationToken) =>
        Failing ? throw new IOException("checkpoint store unavailable (test)") : inner.ProbeAsync(cancellationToken);

    public Task<IReadOnlyList<byte[]>?> LoadAsync(string shard, CancellationToken cancellationToken) => inner.LoadAsync(shard, cancellationToken);
}
