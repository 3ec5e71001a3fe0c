using System.Text.Json;
using Dapr;
using Dapr.AspNetCore;
using Experiments.Contracts.V1;
using Experiments.ServiceDefaults.Dapr;
using Experiments.Statistics.Intake;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Dapr;

/// <summary>
/// Dapr mode's subscriptions through Dapr.AspNetCore: <c>UseCloudEvents</c> unwraps each delivery to the
/// ForwardRequest the ingestion forwarder published, <c>MapSubscribeHandler</c> answers <c>GET /dapr/subscribe</c>
/// with one subscription per partition this replica owns (<c>WithTopic</c>, its dead-letter topic beside it), in bulk
/// by default (<c>WithBulkSubscribe</c>: Dapr:BulkMaxMessages per callback, gathered for at most Dapr:BulkMaxAwait; all
/// of a callback's messages applied in one pass and made durable by ONE checkpoint, so throughput no longer is
/// concurrency ÷ checkpoint interval) or one by one with Dapr:BulkSubscribe off, and each message is answered (per
/// entry in a bulk) by Dapr's contract: SUCCESS once the message is applied (or was already, by its id) and a
/// checkpoint holding it has committed; RETRY when that checkpoint fails or does not commit in time, the definitions
/// are not known yet, or an event's unit has no exposure here yet (the broker holds it and redelivers, bounded by
/// dapr/components/resiliency.yaml, then moves it to the partition's dead-letter topic, where it is applied as it is
/// and counted); DROP when the message is not a decodable ForwardRequest or breaks the forwarded-event rules.
/// </summary>
/// <remarks>
/// Bulk publish gives each entry a CloudEvent id of the broker's choosing, so the deduplication key travels in the
/// payload: the message id is <c>{log_id}:{position}</c> of the logged event it carries (the ingestion log's own
/// sequence), and the event's <c>event_id</c> is deduplicated again by the engine. A redelivered message is
/// recognised by that id, applied once, and answered SUCCESS once the checkpoint holding its first application commits.
/// </remarks>
internal static partial class DaprDeliveryEndpoints
{
    private const string Route = "/dapr/events/";
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>The topics of the partitions this replica owns (the topic itself with one partition).</summary>
    internal static IReadOnlyList<string> OwnedTopics(DaprOptions dapr, StatisticsOptions statistics) =>
        [.. Enumerable.Range(0, Math.Max(1, statistics.PartitionCount)).Where(statistics.Owns).Select(p => DaprTopics.ForPartition(dapr.Topic, p, statistics.PartitionCount))];

    public static void MapDaprSubscription(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<DaprOptions>>().Value;
        var statistics = app.Services.GetRequiredService<IOptions<StatisticsOptions>>().Value;
        app.UseCloudEvents();
        app.MapSubscribeHandler();
        foreach (var topic in OwnedTopics(options, statistics))
        {
            var deadLetter = topic + "-dead-letter";
            Subscribe(app, options, topic, topic, new TopicOptions { PubsubName = options.PubSubName, Name = topic, DeadLetterTopic = deadLetter }, deadLettered: false);
            Subscribe(app, options, topic, deadLetter, new TopicOptions { PubsubName = options.PubSubName, Name = deadLetter }, deadLettered: true);
        }
    }

    // Bulk (the default): daprd gathers up to BulkMaxMessages and posts them as one request of entries, answered per
    // entry; one by one: one CloudEvent per request. The same rules decide each message's answer either way.
    private static void Subscribe(WebApplication app, DaprOptions options, string topic, string subscribed, TopicOptions subscription, bool deadLettered)
    {
        if (options.BulkSubscribe)
        {
            app.MapPost(Route + subscribed, (HttpContext http, Delivery delivery) => AnswerAsync(http, options, () => delivery.DeliverBulkOrSingleAsync(http, topic, deadLettered)))
                .WithTopic(subscription)
                .WithBulkSubscribe(new BulkSubscribeTopicOptions
                {
                    TopicName = subscribed,
                    MaxMessagesCount = options.BulkMaxMessages,
                    MaxAwaitDurationMs = (int)options.BulkMaxAwait.TotalMilliseconds,
                });
        }
        else
        {
            app.MapPost(Route + subscribed, (HttpContext http, Delivery delivery) => AnswerAsync(http, options, async () => new Dictionary<string, string> { ["status"] = await delivery.DeliverAsync(http, topic, deadLettered) }))
                .WithTopic(subscription);
        }
    }

    private static async Task<IResult> AnswerAsync<T>(HttpContext http, DaprOptions options, Func<Task<T>> deliver)
    {
        // daprd sends the app token it was given (APP_API_TOKEN) with every delivery; without it anyone could post events.
        if (options.ResolveAppToken() is { Length: > 0 } token && http.Request.Headers["dapr-api-token"] != token)
        {
            return Results.Unauthorized();
        }
        return Results.Json(await deliver());
    }

    /// <summary>One delivery's handling, with the services it needs (resolved per request by the endpoint).</summary>
    internal sealed class Delivery(StatisticsShard shard, IHostApplicationLifetime lifetime, IOptions<DaprOptions> options, IOptions<StatisticsOptions> statistics, DaprDeliveryMetrics metrics, ILoggerFactory loggers)
    {
        private readonly ILogger _logger = loggers.CreateLogger("Experiments.Statistics.Dapr");

        /// <summary>
        /// Applies a message of a partition's topic, or of its dead-letter topic (where the broker moved it after the
        /// resiliency policy's retries: then it is applied as it is, with no more waiting for its units' exposures).
        /// </summary>
        public async Task<string> DeliverAsync(HttpContext http, string topic, bool deadLettered) =>
            await DeliverAsync(http, await ReadBodyAsync(http), topic, deadLettered);

        private async Task<string> DeliverAsync(HttpContext http, byte[] body, string topic, bool deadLettered)
        {
            if (!TryDecode(body, out var id, out var message, out var problem))
            {
                LogDropped(_logger, problem);
                return Answer("DROP", "undecodable", topic, deadLettered);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            timeout.CancelAfter(options.Value.CommitTimeout);
            try
            {
                // Started: the checkpoint is restored (a delivery applied before would be replaced by it); and the
                // definitions are known (an exposure to an experiment not known yet would be dropped).
                await WhenStartedAsync(lifetime).WaitAsync(timeout.Token);
                await shard.DefinitionsReady.WaitAsync(timeout.Token);
                DeliveryOutcome outcome;
                try
                {
                    outcome = shard.TryApplyDelivered(id, message, waitForExposure: !deadLettered);
                }
                catch (InvalidForwardedEventException e)
                {
                    // Ingestion validated it, so this is a disagreement between versions: redelivering cannot help.
                    LogInvalid(_logger, id, e.Message);
                    return Answer("DROP", "invalid", topic, deadLettered);
                }
                if (outcome == DeliveryOutcome.UnitNotExposed)
                {
                    // Pub/sub keeps no order within a unit: its exposure is still on the way. Held by the broker, not here.
                    LogAwaitingExposure(_logger, id);
                    return Answer("RETRY", "unit-not-exposed", topic, deadLettered);
                }
                // Also for a redelivered message: its first application may not be durable yet.
                if (await shard.WaitDurableAsync().WaitAsync(timeout.Token))
                {
                    return Answer("SUCCESS", outcome == DeliveryOutcome.Applied ? "applied" : "already-applied", topic, deadLettered);
                }
            }
            catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
            {
            }
            LogRetry(_logger, id);
            return Answer("RETRY", "not-durable", topic, deadLettered);
        }

        /// <summary>
        /// Applies a bulk delivery: every decodable entry in one pass of the shard (<see cref="StatisticsShard.TryApplyDelivered(IReadOnlyList{ValueTuple{string, ForwardRequest}}, bool)"/>),
        /// then ONE wait for the checkpoint holding them, and an answer per entry by the single delivery's rules.
        /// </summary>
        /// <remarks>
        /// A single CloudEvent on this route (a declarative subscription without <c>bulkSubscribe</c>) is answered as
        /// the one-by-one route answers it, so a subscription managed elsewhere cannot make deliveries fail.
        /// </remarks>
        public async Task<object> DeliverBulkOrSingleAsync(HttpContext http, string topic, bool deadLettered)
        {
            var body = await ReadBodyAsync(http);
            if (!IsBulk(body, out var bulk))
            {
                return new Dictionary<string, string> { ["status"] = await DeliverAsync(http, body, topic, deadLettered) };
            }
            var entries = bulk.Entries ?? [];
            var statuses = new string[entries.Count];
            var decoded = new List<(string Id, ForwardRequest Message)>(entries.Count);
            var positions = new List<int>(entries.Count);
            for (var i = 0; i < entries.Count; i++)
            {
                if (!TryDecode(EntryData(entries[i].Event), out var id, out var message, out var problem))
                {
                    LogDropped(_logger, problem);
                    statuses[i] = Answer("DROP", "undecodable", topic, deadLettered);
                    continue;
                }
                decoded.Add((id, message));
                positions.Add(i);
            }
            if (decoded.Count > 0)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
                timeout.CancelAfter(options.Value.CommitTimeout);
                var durable = false;
                DeliveryOutcome[] outcomes = [];
                try
                {
                    await WhenStartedAsync(lifetime).WaitAsync(timeout.Token);
                    await shard.DefinitionsReady.WaitAsync(timeout.Token);
                    outcomes = shard.TryApplyDelivered(decoded, waitForExposure: !deadLettered);
                    // One checkpoint for the whole bulk, also for redelivered messages (their first application may not be durable yet).
                    durable = !outcomes.Any(o => o is DeliveryOutcome.Applied or DeliveryOutcome.AlreadyApplied) || await shard.WaitDurableAsync().WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
                {
                }
                for (var d = 0; d < decoded.Count; d++)
                {
                    statuses[positions[d]] = (d < outcomes.Length ? outcomes[d] : (DeliveryOutcome?)null) switch
                    {
                        DeliveryOutcome.Invalid => Invalid(decoded[d].Id, decoded[d].Message, topic, deadLettered),
                        DeliveryOutcome.UnitNotExposed => AwaitingExposure(decoded[d].Id, topic, deadLettered),
                        DeliveryOutcome.Applied when durable => Answer("SUCCESS", "applied", topic, deadLettered),
                        DeliveryOutcome.AlreadyApplied when durable => Answer("SUCCESS", "already-applied", topic, deadLettered),
                        _ => NotDurable(decoded[d].Id, topic, deadLettered),
                    };
                }
            }
            return new BulkSubscribeAppResponse([.. entries.Select((entry, i) => new BulkSubscribeAppResponseEntry(entry.EntryId, Enum.Parse<BulkSubscribeAppResponseStatus>(statuses[i])))]);
        }

        private static bool IsBulk(byte[] body, out BulkSubscribeMessage<JsonElement> bulk)
        {
            bulk = new BulkSubscribeMessage<JsonElement>();
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("entries", out var entries) || entries.ValueKind != JsonValueKind.Array)
                {
                    return false;
                }
                bulk = document.RootElement.Deserialize<BulkSubscribeMessage<JsonElement>>(JsonSerializerOptions.Web) ?? bulk;
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        private static async Task<byte[]> ReadBodyAsync(HttpContext http)
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            return body.ToArray();
        }

        private string Invalid(string id, ForwardRequest message, string topic, bool deadLettered)
        {
            LogInvalid(_logger, id, ForwardedEventRules.Check(message.Events, statistics.Value.MaxLatencyMs) is { } violation ? new InvalidForwardedEventException(violation).Message : "");
            return Answer("DROP", "invalid", topic, deadLettered);
        }

        private string AwaitingExposure(string id, string topic, bool deadLettered)
        {
            LogAwaitingExposure(_logger, id);
            return Answer("RETRY", "unit-not-exposed", topic, deadLettered);
        }

        private string NotDurable(string id, string topic, bool deadLettered)
        {
            LogRetry(_logger, id);
            return Answer("RETRY", "not-durable", topic, deadLettered);
        }

        private string Answer(string status, string reason, string topic, bool deadLettered)
        {
            metrics.Answered(status, reason);
            if (deadLettered && status != "RETRY")
            {
                metrics.DeadLettered(topic);
                LogDeadLettered(_logger, topic);
            }
            return status;
        }
    }

    private static Task WhenStartedAsync(IHostApplicationLifetime lifetime)
    {
        if (lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task;
    }

    /// <summary>
    /// The data of a bulk entry's event, as <c>UseCloudEvents</c> would leave it for a single delivery: a CloudEvent's
    /// <c>data</c> (JSON as it stands, a string as its text) or <c>data_base64</c>'s bytes; a raw payload as it came.
    /// </summary>
    internal static byte[] EntryData(JsonElement entry)
    {
        if (entry.ValueKind == JsonValueKind.Object)
        {
            if (entry.TryGetProperty("data_base64", out var base64) && base64.ValueKind == JsonValueKind.String && base64.TryGetBytesFromBase64(out var bytes))
            {
                return bytes;
            }
            if (entry.TryGetProperty("data", out var data))
            {
                return data.ValueKind == JsonValueKind.String ? System.Text.Encoding.UTF8.GetBytes(data.GetString()!) : System.Text.Encoding.UTF8.GetBytes(data.GetRawText());
            }
            return [];
        }
        return entry.ValueKind == JsonValueKind.String ? System.Text.Encoding.UTF8.GetBytes(entry.GetString()!) : System.Text.Encoding.UTF8.GetBytes(entry.GetRawText());
    }

    /// <summary>
    /// The data of a delivery as <c>UseCloudEvents</c> leaves it: a ForwardRequest in protobuf JSON (or protobuf bytes,
    /// from <c>data_base64</c>) holding events of one log; its id is that log's id and the positions it carries.
    /// </summary>
    internal static bool TryDecode(byte[] body, out string id, out ForwardRequest message, out string problem)
    {
        id = "";
        message = new ForwardRequest();
        try
        {
            var text = body.AsSpan().TrimStart(" \t\r\n"u8);
            message = text.Length > 0 && text[0] == (byte)'{'
                ? Parser.Parse<ForwardRequest>(System.Text.Encoding.UTF8.GetString(body))
                : ForwardRequest.Parser.ParseFrom(body);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or InvalidOperationException)
        {
            problem = "undecodable: " + e.Message;
            return false;
        }
        if (message.LogId.Length == 0 || message.Events.Count == 0 || message.Events.Any(e => e.Event is null || e.Position <= 0))
        {
            problem = "not a ForwardRequest carrying logged events of a log";
            return false;
        }
        id = message.LogId + ":" + (message.Events.Count == 1
            ? message.Events[0].Position.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : string.Join(',', message.Events.Select(e => e.Position.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        problem = "";
        return true;
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Dropped a pub/sub message: {Problem}")]
    private static partial void LogDropped(ILogger logger, string problem);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Pub/sub message {MessageId} not made durable; answered RETRY")]
    private static partial void LogRetry(ILogger logger, string messageId);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Warning, Message = "A message of {Topic} reached its dead-letter topic after the broker's retries; applied as it is (events of units still not exposed are not attributed)")]
    private static partial void LogDeadLettered(ILogger logger, string topic);

    [LoggerMessage(EventId = 5204, Level = LogLevel.Error, Message = "Dropped pub/sub message {MessageId}: an event breaks the forwarded-event rules ({Problem})")]
    private static partial void LogInvalid(ILogger logger, string messageId, string problem);

    [LoggerMessage(EventId = 5205, Level = LogLevel.Debug, Message = "Pub/sub message {MessageId} carries an event whose unit is not exposed here yet; answered RETRY")]
    private static partial void LogAwaitingExposure(ILogger logger, string messageId);
}
