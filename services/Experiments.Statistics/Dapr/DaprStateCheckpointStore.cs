using System.Collections.Concurrent;
using Dapr;
using Dapr.Client;
using Experiments.ServiceDefaults.Dapr;
using Experiments.Statistics.Checkpoints;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Dapr;

/// <summary>
/// Checkpoints in the Dapr state store through <see cref="DaprClient"/>: one key per replica holding the record bytes,
/// written with first-write concurrency and the ETag of the last read or write, so a second replica writing the same
/// key makes the save fail instead of silently replacing its state. Calls wait for the sidecar first
/// (<see cref="DaprSidecarReadiness"/>), so a service started before its sidecar restores once it is up.
/// </summary>
internal sealed class DaprStateCheckpointStore(DaprClient dapr, DaprSidecarReadiness sidecar, IOptions<DaprOptions> options, IOptions<StatisticsOptions> statistics)
    : ICheckpointStore
{
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite, Consistency = ConsistencyMode.Strong };

    // Per key; the shard's checkpoint and the kept verdict decisions are saved from different tasks.
    private readonly ConcurrentDictionary<string, string?> _etags = new(StringComparer.Ordinal);
    private readonly string _store = options.Value.StateStoreName;
    private readonly string _name = CheckpointName(options.Value, statistics.Value);

    /// <summary>The replica's own key: replicas owning different partitions keep different checkpoints.</summary>
    internal static string CheckpointName(DaprOptions dapr, StatisticsOptions statistics) =>
        dapr.CheckpointName is { Length: > 0 } name ? name
        : statistics.OwnedPartitions.Count == 0 ? "statistics"
        : "p" + string.Join("-p", statistics.OwnedPartitions.Order());

    private string Key(string shard) => "statistics-checkpoint-" + (shard == "statistics" ? _name : _name + "-" + shard);

    // One key, overwritten: deltas would need several keys written in one state transaction, which not every store supports.
    public bool SupportsDeltas => false;

    public async Task SaveAsync(string shard, long sequence, byte[] state, bool full, CancellationToken cancellationToken)
    {
        await sidecar.WaitAsync(cancellationToken);
        var key = Key(shard);
        try
        {
            if (_etags.GetValueOrDefault(key) is { } etag)
            {
                if (!await dapr.TrySaveByteStateAsync(_store, key, state, etag, FirstWrite, cancellationToken: cancellationToken))
                {
                    throw new IOException($"the checkpoint key '{key}' changed since this replica last wrote it: another replica writes the same key (Dapr:CheckpointName, Statistics:OwnedPartitions)");
                }
            }
            else
            {
                // No ETag: first-write refuses the save if another writer created the key meanwhile.
                await dapr.SaveByteStateAsync(_store, key, state, FirstWrite, cancellationToken: cancellationToken);
            }
        }
        catch (DaprException e)
        {
            throw new IOException("Dapr state store refused the checkpoint save: " + (e.InnerException?.Message ?? e.Message), e);
        }
        // The save does not return the new ETag; read it back so the next save is conditional on this one.
        (_, _etags[key]) = await ReadAsync(key, cancellationToken);
    }

    public async Task<IReadOnlyList<byte[]>?> LoadAsync(string shard, CancellationToken cancellationToken)
    {
        await sidecar.WaitAsync(cancellationToken);
        var key = Key(shard);
        var (value, etag) = await ReadAsync(key, cancellationToken);
        _etags[key] = etag;
        return value is null ? null : [value];
    }

    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        if (!sidecar.IsReady)
        {
            throw new IOException(sidecar.NotAnswering);
        }
        await ReadAsync("statistics-health-probe", cancellationToken);
    }

    private async Task<(byte[]? Value, string? ETag)> ReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var (value, etag) = await dapr.GetByteStateAndETagAsync(_store, key, ConsistencyMode.Strong, cancellationToken: cancellationToken);
            return value.IsEmpty ? (null, null) : (value.ToArray(), etag is { Length: > 0 } ? etag : null);
        }
        catch (DaprException e)
        {
            throw new IOException($"Dapr state store: reading '{key}' failed: " + (e.InnerException?.Message ?? e.Message), e);
        }
    }
}
