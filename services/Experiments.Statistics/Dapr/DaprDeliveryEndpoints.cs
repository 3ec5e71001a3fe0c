using System.Text.Json;
using Experiments.Contracts.V1;
using Experiments.Statistics.Intake;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Dapr;

/// <summary>
/// Dapr mode's programmatic subscription (docs.dapr.io, pub/sub subscription methods and API reference):
/// <c>GET /dapr/subscribe</c> lists the topic, and each CloudEvent is POSTed to the route and answered with HTTP 200
/// and <c>{"status": "SUCCESS" | "RETRY" | "DROP"}</c>: SUCCESS once the event is applied (or was already, by its
/// CloudEvent id) and a checkpoint holding it has committed; RETRY when that checkpoint fails or does not commit in
/// time, or the definitions are not known yet; DROP when the message cannot be decoded as the ForwardRequest the
/// ingestion forwarder publishes.
/// </summary>
internal static partial class DaprDeliveryEndpoints
{
    public const string Route = "/dapr/events/";
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static void MapDaprSubscription(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<DaprOptions>>().Value;
        var route = Route + options.Topic;
        app.MapGet("/dapr/subscribe", () => Results.Json(new[]
        {
            new Dictionary<string, string> { ["pubsubname"] = options.PubSubName, ["topic"] = options.Topic, ["route"] = route },
        }));
        app.MapPost(route, async (HttpContext http, StatisticsShard shard, IOptions<DaprOptions> dapr, ILoggerFactory loggers) =>
        {
            // daprd sends the app token it was given (APP_API_TOKEN) with every delivery; without it anyone could post events.
            if (dapr.Value.ResolveAppToken() is { Length: > 0 } token && http.Request.Headers["dapr-api-token"] != token)
            {
                return Results.Unauthorized();
            }
            var logger = loggers.CreateLogger("Experiments.Statistics.Dapr");
            var status = await DeliverAsync(http, shard, dapr.Value, logger);
            return Results.Json(new Dictionary<string, string> { ["status"] = status });
        });
    }

    private static async Task<string> DeliverAsync(HttpContext http, StatisticsShard shard, DaprOptions options, ILogger logger)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        if (!TryDecode(body.ToArray(), out var id, out var message, out var problem))
        {
            LogDropped(logger, problem);
            return "DROP";
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(options.CommitTimeout);
        try
        {
            await shard.DefinitionsReady.WaitAsync(timeout.Token);
            shard.ApplyDelivered(id, message);
            // Also for a redelivered message: its first application may not be durable yet.
            if (await shard.WaitDurableAsync().WaitAsync(timeout.Token))
            {
                return "SUCCESS";
            }
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
        }
        LogRetry(logger, id);
        return "RETRY";
    }

    /// <summary>A structured CloudEvent (JSON) whose data is a ForwardRequest in protobuf JSON, or protobuf in data_base64.</summary>
    internal static bool TryDecode(byte[] body, out string id, out ForwardRequest message, out string problem)
    {
        id = "";
        message = new ForwardRequest();
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var idElement) || idElement.GetString() is not { Length: > 0 } value)
            {
                problem = "not a CloudEvent with an id";
                return false;
            }
            id = value;
            if (root.TryGetProperty("type", out var type) && type.GetString() is { } typeName && typeName != ForwardRequest.Descriptor.FullName)
            {
                problem = $"event {id} has type '{typeName}', not {ForwardRequest.Descriptor.FullName}";
                return false;
            }
            if (root.TryGetProperty("data_base64", out var base64))
            {
                message = ForwardRequest.Parser.ParseFrom(base64.GetBytesFromBase64());
            }
            else if (root.TryGetProperty("data", out var data) && data.ValueKind is JsonValueKind.Object or JsonValueKind.String)
            {
                message = Parser.Parse<ForwardRequest>(data.ValueKind == JsonValueKind.String ? data.GetString()! : data.GetRawText());
            }
            else
            {
                problem = $"event {id} has no data";
                return false;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidProtocolBufferException or FormatException or InvalidOperationException)
        {
            problem = "undecodable: " + e.Message;
            return false;
        }
        if (message.Events.Count == 0 || message.Events.Any(e => e.Event is null))
        {
            problem = $"event {id} carries no telemetry event";
            return false;
        }
        problem = "";
        return true;
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Dropped a pub/sub message: {Problem}")]
    private static partial void LogDropped(ILogger logger, string problem);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Pub/sub message {MessageId} not made durable; answered RETRY")]
    private static partial void LogRetry(ILogger logger, string messageId);
}
