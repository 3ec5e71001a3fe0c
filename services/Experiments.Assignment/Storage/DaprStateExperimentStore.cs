using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Experiments.Assignment.Definitions;

namespace Experiments.Assignment.Storage;

/// <summary>
/// Dapr-mode store over the sidecar's state HTTP API (docs.dapr.io, state management reference). One catalog
/// document holds the latest revision of every experiment, the store version and the change log; every revision
/// (with its audit record) is an immutable key of its own. A commit is one state transaction — the new revision
/// key plus the catalog saved with the ETag it was read with (first-write concurrency) — so two replicas racing
/// cannot both win: the loser gets 409 and reloads.
/// </summary>
public sealed class DaprStateExperimentStore : IExperimentStore
{
    private readonly HttpClient _http;
    private readonly string _store;
    private readonly string _prefix;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DaprCatalog _catalog = DaprCatalog.Empty;
    private string? _catalogEtag;

    public DaprStateExperimentStore(HttpClient http, StorageOptions options)
    {
        _http = http;
        _store = Uri.EscapeDataString(options.DaprStateStore);
        _prefix = options.DaprKeyPrefix;
        if (!string.IsNullOrEmpty(options.DaprApiToken))
        {
            _http.DefaultRequestHeaders.Add("dapr-api-token", options.DaprApiToken);
        }
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
            var operations = new JsonArray
            {
                Upsert(RevisionKey(definition.Id, definition.Revision), JsonSerializer.SerializeToNode(revision, StorageJson.Default.StoredRevision)!, etag: null),
                Upsert(CatalogKey, JsonSerializer.SerializeToNode(next, StorageJson.Default.DaprCatalog)!, _catalogEtag),
            };
            using var response = await _http.PostAsJsonAsync($"v1.0/state/{_store}/transaction", new JsonObject { ["operations"] = operations }, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Conflict || (!response.IsSuccessStatusCode && await MentionsEtagAsync(response, cancellationToken).ConfigureAwait(false)))
            {
                // Another writer changed the catalog since we read it: take the store's state; the caller reloads and retries.
                await ReadCatalogAsync(cancellationToken).ConfigureAwait(false);
                throw new StaleRevisionException("the definitions changed concurrently in the shared store; re-read and retry");
            }
            await EnsureSuccessAsync(response, "saving", cancellationToken).ConfigureAwait(false);
            // The transaction response carries no ETags: read the catalog back; if someone else already moved on,
            // the caller sees that on its next commit (expected version check) and reloads.
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
            var found = await BulkGetAsync(chunk.Select(e => RevisionKey(e.ExperimentId, e.Revision)).ToArray(), cancellationToken).ConfigureAwait(false);
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

    public Task ProbeAsync(CancellationToken cancellationToken) => GetAsync(CatalogKey, cancellationToken);

    private async Task ReadCatalogAsync(CancellationToken cancellationToken)
    {
        var (json, etag) = await GetAsync(CatalogKey, cancellationToken).ConfigureAwait(false);
        _catalog = json is null ? DaprCatalog.Empty : Deserialize(json, StorageJson.Default.DaprCatalog);
        _catalogEtag = json is null ? null : etag;
    }

    private async Task<(string? Json, string? Etag)> GetAsync(string key, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync($"v1.0/state/{_store}/{Uri.EscapeDataString(key)}?consistency=strong", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent || response.StatusCode == HttpStatusCode.NotFound)
        {
            return (null, null);
        }
        await EnsureSuccessAsync(response, "reading", cancellationToken).ConfigureAwait(false);
        var json = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        // Dapr sends the ETag unquoted (e.g. "ETag: 3"), which is not a valid entity tag for the typed header.
        var etag = response.Headers.NonValidated.TryGetValues("ETag", out var values) ? values.FirstOrDefault()?.Trim('"') : null;
        return (json.Length == 0 ? null : json, etag);
    }

    private async Task<Dictionary<string, string>> BulkGetAsync(string[] keys, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["keys"] = new JsonArray(keys.Select(k => (JsonNode)JsonValue.Create(k)!).ToArray()), ["parallelism"] = 10 };
        using var response = await _http.PostAsJsonAsync($"v1.0/state/{_store}/bulk", request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "reading", cancellationToken).ConfigureAwait(false);
        var items = await response.Content.ReadFromJsonAsync<JsonArray>(cancellationToken).ConfigureAwait(false) ?? [];
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item?["key"]?.GetValue<string>() is { } key && item["data"] is { } data)
            {
                found[key] = data.ToJsonString();
            }
        }
        return found;
    }

    private static JsonObject Upsert(string key, JsonNode value, string? etag)
    {
        var request = new JsonObject { ["key"] = key, ["value"] = value };
        if (etag is not null)
        {
            request["etag"] = etag;
        }
        request["options"] = new JsonObject { ["concurrency"] = "first-write", ["consistency"] = "strong" };
        return new JsonObject { ["operation"] = "upsert", ["request"] = request };
    }

    private static async Task<bool> MentionsEtagAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return body.Contains("etag", StringComparison.OrdinalIgnoreCase);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string action, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"Dapr state store: {action} failed with {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }
    }

    private static T Deserialize<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(json, type) ?? throw new InvalidDataException("The state store holds JSON null.");
}

/// <summary>The catalog document: store version, latest revision of every experiment, and the change log.</summary>
internal sealed record DaprCatalog(long Version, Dictionary<string, ExperimentDefinition> Experiments, List<DaprLogEntry> Log)
{
    public static readonly DaprCatalog Empty = new(0, new Dictionary<string, ExperimentDefinition>(StringComparer.Ordinal), []);
}

/// <summary>Which experiment revision a store version committed.</summary>
internal sealed record DaprLogEntry(long Version, string ExperimentId, long Revision);
