using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Experiments.Contracts.V1;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Ingestion.Forwarding;

/// <summary>
/// Dapr mode: <c>POST /v1.0-alpha1/publish/bulk/{pubsub}/{topic}</c> on the sidecar. Each event is one
/// entry: a CloudEvents 1.0 envelope (type <c>experiments.v1.ForwardRequest</c>, id <c>{log}:{position}</c>)
/// whose data is a ForwardRequest holding that one event in protobuf JSON, with entry metadata
/// <c>partitionKey</c> = the event's unit id so one unit's events stay in order on one broker partition.
/// 204 confirms the request; on 500 the sidecar lists failed entries, which are retried with back-off
/// until they pass; other answers fail the session.
/// </summary>
internal sealed class DaprBulkPublishTarget : IForwardTarget, IDisposable
{
    private readonly ForwardingOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Uri _publishUri;
    private readonly string? _token;

    public DaprBulkPublishTarget(IOptions<ForwardingOptions> options, ILogger<DaprBulkPublishTarget> logger)
    {
        _options = options.Value;
        _logger = logger;
        var dapr = _options.Dapr;
        var endpoint = dapr.ResolveEndpoint().TrimEnd('/');
        _publishUri = new Uri($"{endpoint}/v1.0-alpha1/publish/bulk/{Uri.EscapeDataString(dapr.PubSubName)}/{Uri.EscapeDataString(dapr.Topic)}");
        _token = dapr.ApiToken ?? Environment.GetEnvironmentVariable("DAPR_API_TOKEN");
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(60) };
        Partitions = [.. Enumerable.Range(0, _options.PartitionCount)];
    }

    public string Name => "dapr " + _publishUri;

    // The topic takes every partition; the broker spreads them by partitionKey.
    public IReadOnlyList<int> Partitions { get; }

    public IForwardSession CreateSession(string logId, int partitionCount, Action<int, long> confirmed) =>
        new Session(this, logId, partitionCount, confirmed);

    public void Dispose() => _http.Dispose();

    private sealed class Session(DaprBulkPublishTarget target, string logId, int partitionCount, Action<int, long> confirmed) : IForwardSession
    {
        private readonly TaskCompletionSource _never = new();

        public Task Completion => _never.Task;

        // A publish is confirmed by the sidecar's answer; there is nothing to resume from on the far side.
        public Task<long> OpenAsync(CancellationToken cancellationToken) => Task.FromResult(0L);

        public async Task SendAsync(int partition, IReadOnlyList<LoggedEvent> events, CancellationToken cancellationToken)
        {
            var pending = events.ToDictionary(e => e.Position.ToString(CultureInfo.InvariantCulture));
            var backoff = target._options.InitialBackoff;
            while (true)
            {
                var failed = await PublishAsync(partition, pending, cancellationToken).ConfigureAwait(false);
                if (failed.Count == 0)
                {
                    break;
                }
                LogMessages.PublishPartiallyFailed(target._logger, target.Name, failed.Count, pending.Count, failed.Error, backoff);
                var retry = pending.Where(p => failed.Ids.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value);
                // Ids the sidecar names but we did not send tell nothing: resend all rather than lose one.
                pending = retry.Count > 0 ? retry : pending;
                await Task.Delay(Backoff.Jitter(backoff), cancellationToken).ConfigureAwait(false);
                backoff = Backoff.Next(backoff, target._options.MaxBackoff);
            }
            confirmed(partition, events[^1].Position);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        /// <summary>Publishes entries; returns the ids of those that failed (none on success).</summary>
        private async Task<FailedEntries> PublishAsync(int partition, Dictionary<string, LoggedEvent> entries, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, target._publishUri)
            {
                Content = new ByteArrayContent(BulkBody(partition, entries)),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (!string.IsNullOrEmpty(target._token))
            {
                request.Headers.Add("dapr-api-token", target._token);
            }
            using var response = await target._http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return default;
            }
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.InternalServerError && FailedEntries.TryParse(body, out var failed) && failed.Count > 0)
            {
                return failed;
            }
            throw new HttpRequestException($"Bulk publish answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }

        private byte[] BulkBody(int partition, Dictionary<string, LoggedEvent> entries)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartArray();
                foreach (var (entryId, logged) in entries)
                {
                    var unit = Partitioning.UnitOf(logged.Event);
                    var data = new ForwardRequest { LogId = logId, Partition = partition, PartitionCount = partitionCount };
                    data.Events.Add(logged);
                    json.WriteStartObject();
                    json.WriteString("entryId", entryId);
                    json.WriteStartObject("event");
                    json.WriteString("specversion", "1.0");
                    json.WriteString("id", logId + ":" + entryId);
                    json.WriteString("source", "experiments-ingestion/" + logId);
                    json.WriteString("type", ForwardRequest.Descriptor.FullName);
                    json.WriteString("time", logged.IngestTime.ToDateTimeOffset().ToString("O", CultureInfo.InvariantCulture));
                    json.WriteString("datacontenttype", "application/json");
                    json.WriteString("partitionkey", unit);
                    json.WritePropertyName("data");
                    json.WriteRawValue(JsonFormatter.Default.Format(data));
                    json.WriteEndObject();
                    json.WriteString("contentType", "application/cloudevents+json");
                    json.WriteStartObject("metadata");
                    json.WriteString("partitionKey", unit);
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            return buffer.ToArray();
        }
    }

    /// <summary>The <c>failedEntries</c> of a 500 answer.</summary>
    private readonly record struct FailedEntries(HashSet<string> Ids, string Error)
    {
        public int Count => Ids?.Count ?? 0;

        public static bool TryParse(string body, out FailedEntries failed)
        {
            failed = default;
            try
            {
                using var document = JsonDocument.Parse(body);
                if (!document.RootElement.TryGetProperty("failedEntries", out var entries) || entries.ValueKind != JsonValueKind.Array)
                {
                    return false;
                }
                var ids = new HashSet<string>(StringComparer.Ordinal);
                var error = "";
                foreach (var entry in entries.EnumerateArray())
                {
                    if (entry.TryGetProperty("entryId", out var id) && id.GetString() is { } value)
                    {
                        ids.Add(value);
                    }
                    if (error.Length == 0 && entry.TryGetProperty("error", out var message))
                    {
                        error = message.GetString() ?? "";
                    }
                }
                failed = new FailedEntries(ids, error);
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }
    }
}
