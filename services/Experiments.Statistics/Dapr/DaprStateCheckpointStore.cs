using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Experiments.Statistics.Checkpoints;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Dapr;

/// <summary>
/// Checkpoints in the Dapr state store through the sidecar's HTTP API (docs.dapr.io state API): one key per shard,
/// the blob base64 in a JSON value, written with first-write concurrency and the ETag of the last read or write, so a
/// second replica writing the same key makes the save fail (409) instead of silently replacing its state.
/// </summary>
internal sealed class DaprStateCheckpointStore : ICheckpointStore, IDisposable
{
    private readonly HttpClient _http;
    private readonly DaprOptions _options;
    private readonly Dictionary<string, string?> _etags = new(StringComparer.Ordinal);

    public DaprStateCheckpointStore(IOptions<DaprOptions> options)
    {
        _options = options.Value;
        _http = new HttpClient { BaseAddress = _options.SidecarAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (_options.ResolveToken() is { Length: > 0 } token)
        {
            _http.DefaultRequestHeaders.Add("dapr-api-token", token);
        }
    }

    private string StatePath => "v1.0/state/" + Uri.EscapeDataString(_options.StateStoreName);

    private static string Key(string shard) => "statistics-checkpoint-" + shard;

    // One key, overwritten: deltas would need several keys written in one state transaction, which not every store supports.
    public bool SupportsDeltas => false;

    public async Task SaveAsync(string shard, long sequence, byte[] state, bool full, CancellationToken cancellationToken)
    {
        var key = Key(shard);
        using var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartArray();
            json.WriteStartObject();
            json.WriteString("key", key);
            json.WriteStartObject("value");
            json.WriteNumber("sequence", sequence);
            json.WriteBase64String("state", state);
            json.WriteEndObject();
            if (_etags.GetValueOrDefault(key) is { } etag)
            {
                json.WriteString("etag", etag);
            }
            json.WriteStartObject("options");
            json.WriteString("concurrency", "first-write");
            json.WriteString("consistency", "strong");
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
        }
        using var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync(StatePath, content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new IOException($"Dapr state store answered {(int)response.StatusCode} to the checkpoint save: {detail}");
        }
        // The save does not return the new ETag; read it back so the next save is conditional on this one.
        _etags[key] = (await ReadAsync(key, cancellationToken)).ETag;
    }

    public async Task<IReadOnlyList<byte[]>?> LoadAsync(string shard, CancellationToken cancellationToken)
    {
        var key = Key(shard);
        var (value, etag) = await ReadAsync(key, cancellationToken);
        _etags[key] = etag;
        if (value is null)
        {
            return null;
        }
        using var document = JsonDocument.Parse(value);
        return [document.RootElement.GetProperty("state").GetBytesFromBase64()];
    }

    public Task ProbeAsync(CancellationToken cancellationToken) => ReadAsync("health-probe", cancellationToken);

    private async Task<(string? Value, string? ETag)> ReadAsync(string key, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(StatePath + "/" + Uri.EscapeDataString(key) + "?consistency=strong", cancellationToken);
        if (response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotFound)
        {
            return (null, null);
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new IOException($"Dapr state store answered {(int)response.StatusCode} to reading {key}");
        }
        var etag = response.Headers.ETag?.Tag ?? (response.Headers.TryGetValues("ETag", out var values) ? values.FirstOrDefault() : null);
        var value = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        return (value.Length == 0 ? null : value, etag?.Trim('"'));
    }

    public void Dispose() => _http.Dispose();
}
