using System.Text;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Experiments.Assignment.Definitions;
using Experiments.ServiceDefaults.Dapr;
using Grpc.Core;

namespace Experiments.Assignment.Storage;

/// <summary>
/// Dapr-mode store through <see cref="DaprClient"/> (the sidecar's state API). One catalog document holds the latest
/// revision of every experiment, the store version and the change log; every revision (with its audit record) is an
/// immutable key of its own. A commit is one state transaction — the new revision key plus the catalog saved with
/// the ETag it was read with (first-write concurrency) — so two replicas racing cannot both win: the loser's
/// transaction is refused and it reloads. Values are the JSON of <see cref="StorageJson"/>, stored as bytes. Every
/// call waits for the sidecar first (<see cref="DaprSidecarReadiness"/>).
/// </summary>
public sealed class DaprStateExperimentStore : IExperimentStore
{
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite, Consistency = ConsistencyMode.Strong };

    private readonly DaprClient _dapr;
    private readonly DaprSidecarReadiness _sidecar;
    private readonly string _store;
    private readonly string _prefix;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DaprCatalog _catalog = DaprCatalog.Empty;
    private string? _catalogEtag;

    public DaprStateExperimentStore(DaprClient dapr, DaprSidecarReadiness sidecar, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dapr = dapr;
        _sidecar = sidecar;
        _store = options.DaprStateStore;
        _prefix = options.DaprKeyPrefix;
    }

    public bool IsShared => true;

    private string CatalogKey => _prefix + "-catalog";

    public async Task<StoreSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ReadCatalogAsync(cancellationToken).ConfigureAwait(false);
            return new StoreSnapshot(_catalog.Version, _catalog.Experiments.Values.ToArray());
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<ExperimentDefinition?> GetRevisionAsync(string experimentId, long revision, CancellationToken cancellationToken)
    {
        var (json, _) = await GetAsync(RevisionKey(experimentId, revision), cancellationToken).ConfigureAwait(false);
        return json is null ? null : Deserialize(json, StorageJson.Default.StoredRevision).Definition;
    }

    public async Task<long> CommitAsync(ExperimentDefinition definition, AuditRecord audit, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_catalog.Version != expectedVersion)
            {
                throw new StaleRevisionException($"the definitions changed concurrently (store version {_catalog.Version}, expected {expectedVersion}); retry");
            }
            var stored = _catalog.Experiments.TryGetValue(definition.Id, out var current) ? current.Revision : 0;
            if (stored != definition.Revision - 1)
            {
                throw new StaleRevisionException($"experiment '{definition.Id}' is at revision {stored}, not {definition.Revision - 1}; re-read it and retry");
            }
            var version = _catalog.Version + 1;
            var experiments = new Dictionary<string, ExperimentDefinition>(_catalog.Experiments, StringComparer.Ordinal) { [definition.Id] = definition };
            var next = new DaprCatalog(version, experiments, [.. _catalog.Log, new DaprLogEntry(version, definition.Id, definition.Revision)]);
            var revision = new StoredRevision(version, definition, audit);
            var operations = new List<StateTransactionRequest>
            {
                new(RevisionKey(definition.Id, definition.Revision), JsonSerializer.SerializeToUtf8Bytes(revision, StorageJson.Default.StoredRevision), StateOperationType.Upsert, options: FirstWrite),
                new(CatalogKey, JsonSerializer.SerializeToUtf8Bytes(next, StorageJson.Default.DaprCatalog), StateOperationType.Upsert, _catalogEtag, options: FirstWrite),
            };
            await _sidecar.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _dapr.ExecuteStateTransactionAsync(_store, operations, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (DaprException e) when (IsConflict(e))
            {
                // Another writer changed the catalog since we read it: take the store's state; the caller reloads and retries.
                await ReadCatalogAsync(cancellationToken).ConfigureAwait(false);
                throw new StaleRevisionException("the definitions changed concurrently in the shared store; re-read and retry");
            }
            catch (DaprException e)
            {
                throw Failed("saving", e);
            }
            // The transaction answers no ETags: read the catalog back; if someone else already moved on, the caller
            // sees that on its next commit (expected version check) and reloads.
            await ReadCatalogAsync(cancellationToken).ConfigureAwait(false);
            return version;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<AuditPage> ListAuditAsync(string? experimentId, long beforeVersion, int pageSize, CancellationToken cancellationToken)
    {
        DaprCatalog catalog;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ReadCatalogAsync(cancellationToken).ConfigureAwait(false);
            catalog = _catalog;
        }
        finally
        {
            _gate.Release();
        }
        var entries = catalog.Log
            .Where(e => (experimentId is null || e.ExperimentId == experimentId) && (beforeVersion == 0 || e.Version < beforeVersion))
            .OrderByDescending(e => e.Version)
            .Take(pageSize + 1)
            .ToList();
        var more = entries.Count > pageSize;
        if (more)
        {
            entries.RemoveAt(pageSize);
        }
        var records = new List<AuditRecord>(entries.Count);
        foreach (var chunk in entries.Chunk(100))
        {
            var found = await BulkGetAsync([.. chunk.Select(e => RevisionKey(e.ExperimentId, e.Revision))], cancellationToken).ConfigureAwait(false);
            foreach (var entry in chunk)
            {
                if (found.TryGetValue(RevisionKey(entry.ExperimentId, entry.Revision), out var json))
                {
                    records.Add(Deserialize(json, StorageJson.Default.StoredRevision).Audit);
                }
            }
        }
        return new AuditPage(records, more ? entries[^1].Version : 0);
    }

    private string RevisionKey(string experimentId, long revision) => $"{_prefix}-rev-{experimentId}-{revision}";

    public Task ProbeAsync(CancellationToken cancellationToken) =>
        _sidecar.IsReady ? GetAsync(CatalogKey, cancellationToken) : throw new IOException(_sidecar.NotAnswering);

    private async Task ReadCatalogAsync(CancellationToken cancellationToken)
    {
        var (json, etag) = await GetAsync(CatalogKey, cancellationToken).ConfigureAwait(false);
        _catalog = json is null ? DaprCatalog.Empty : Deserialize(json, StorageJson.Default.DaprCatalog);
        _catalogEtag = json is null ? null : etag;
    }

    private async Task<(byte[]? Json, string? Etag)> GetAsync(string key, CancellationToken cancellationToken)
    {
        await _sidecar.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (value, etag) = await _dapr.GetByteStateAndETagAsync(_store, key, ConsistencyMode.Strong, cancellationToken: cancellationToken).ConfigureAwait(false);
            return value.IsEmpty ? (null, null) : (value.ToArray(), etag is { Length: > 0 } ? etag : null);
        }
        catch (DaprException e)
        {
            throw Failed("reading", e);
        }
    }

    private async Task<Dictionary<string, byte[]>> BulkGetAsync(string[] keys, CancellationToken cancellationToken)
    {
        await _sidecar.WaitAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<BulkStateItem> items;
        try
        {
            items = await _dapr.GetBulkStateAsync(_store, keys, parallelism: 10, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (DaprException e)
        {
            throw Failed("reading", e);
        }
        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (!string.IsNullOrEmpty(item.Value))
            {
                found[item.Key] = Encoding.UTF8.GetBytes(item.Value);
            }
        }
        return found;
    }

    /// <summary>
    /// A refused ETag: daprd answers ABORTED for it (the SDK's own TrySave… methods rely on that); some state stores'
    /// transactions surface it only in the message.
    /// </summary>
    private static bool IsConflict(DaprException e) =>
        e.InnerException is RpcException rpc
        && (rpc.StatusCode == StatusCode.Aborted || rpc.Status.Detail.Contains("etag", StringComparison.OrdinalIgnoreCase));

    private static IOException Failed(string action, DaprException e) =>
        new($"Dapr state store: {action} failed: {(e.InnerException as RpcException)?.Status.Detail ?? e.Message}", e);

    private static T Deserialize<T>(byte[] json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(json, type) ?? throw new InvalidDataException("The state store holds JSON null.");
}

/// <summary>The catalog document: store version, latest revision of every experiment, and the change log.</summary>
internal sealed record DaprCatalog(long Version, Dictionary<string, ExperimentDefinition> Experiments, List<DaprLogEntry> Log)
{
    public static readonly DaprCatalog Empty = new(0, new Dictionary<string, ExperimentDefinition>(StringComparer.Ordinal), []);
}

/// <summary>Which experiment revision a store version committed.</summary>
internal sealed record DaprLogEntry(long Version, string ExperimentId, long Revision);
