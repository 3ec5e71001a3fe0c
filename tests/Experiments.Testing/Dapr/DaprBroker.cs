using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;

namespace Experiments.Testing.Dapr;

/// <summary>
/// The double's pub/sub, delivering as daprd does to the HTTP app callbacks: it asks each attached app
/// <c>GET /dapr/subscribe</c>, then POSTs every message of a subscribed topic to its route as a structured CloudEvent
/// (<c>application/cloudevents+json</c>, the entry in <c>data</c>, or <c>data_base64</c> for bytes) with the app's
/// <c>dapr-api-token</c>. The answer decides, per Dapr's contract: 200 with SUCCESS (or no status) acknowledges; RETRY
/// or any error status redelivers, up to <see cref="MaxAttempts"/>, then moves the message to the subscription's
/// dead-letter topic if it has one; DROP discards it. A subscription announcing <c>bulkSubscribe</c> gets its messages
/// as daprd's HTTP bulk delivery gives them: one <c>application/json</c> POST of up to <c>maxMessagesCount</c>
/// <c>entries</c> (each <c>entryId</c>, <c>event</c> — the CloudEvent —, <c>contentType</c>, <c>metadata</c>), gathered
/// for at most <c>maxAwaitDurationMs</c>, answered <c>{"statuses":[{"entryId","status"}]}</c> per entry (an entry left
/// out is RETRY; 404 drops them all, any other error retries them all), and a dropped entry goes to the dead-letter topic
/// as daprd's bulk path sends it. Requests go out <see cref="Concurrency"/> at a time in the order published, or
/// shuffled (<see cref="Shuffle"/>) — brokers keep no order across a topic's consumers.
/// </summary>
public sealed class DaprBroker : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<Message> _queue = [];
    private readonly List<(string PubSub, string Topic, string ContentType, ByteString Data)> _published = [];
    private readonly List<(string AppId, Message Message, string Status)> _answers = [];
    private readonly List<(string AppId, string Topic, int Entries)> _requests = [];
    private readonly List<App> _apps = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _signal = new(0);
    private Task? _pump;
    private int _inFlight;
    private int _requestsInFlight;

    /// <summary>Attempts before a message goes to the dead-letter topic (or is discarded without one). Default 20.</summary>
    public int MaxAttempts { get; set; } = 20;

    /// <summary>Requests to the apps at a time (a bulk delivery is one request).</summary>
    public int Concurrency { get; set; } = 8;

    /// <summary>Seed of the shuffle of queued messages before each round; null delivers in publish order.</summary>
    public int? Shuffle { get; set; }

    /// <summary>Pause before a message answered RETRY is offered again.</summary>
    public TimeSpan RedeliveryDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Every message taken, in order.</summary>
    public IReadOnlyList<(string PubSub, string Topic, string ContentType, ByteString Data)> Published
    {
        get
        {
            lock (_lock)
            {
                return [.. _published];
            }
        }
    }

    /// <summary>Every answer an app gave: its id, the topic, the message's data and SUCCESS/RETRY/DROP (or the HTTP status).</summary>
    public IReadOnlyList<(string AppId, string Topic, ByteString Data, string Status)> Answers
    {
        get
        {
            lock (_lock)
            {
                return [.. _answers.Select(a => (a.AppId, a.Message.Topic, a.Message.Data, a.Status))];
            }
        }
    }

    /// <summary>Every delivery request: the app, the topic and how many messages it carried (1 for a single delivery).</summary>
    public IReadOnlyList<(string AppId, string Topic, int Entries)> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>
    /// Attaches an app (as its sidecar would start it): its subscriptions are read at once and delivery begins, with the
    /// HTTP version <paramref name="app"/> defaults to (daprd's --app-protocol: http is HTTP/1.1, h2c is HTTP/2).
    /// </summary>
    public async Task AttachAsync(string appId, HttpClient app, string? appApiToken = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        using var response = await app.GetAsync("dapr/subscribe");
        response.EnsureSuccessStatusCode();
        var subscriptions = new List<Subscription>();
        foreach (var s in JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray())
        {
            var route = s!["route"]?.GetValue<string>() ?? s["routes"]?["default"]?.GetValue<string>() ?? throw new InvalidOperationException("a subscription without a route");
            // daprd's defaults for a bulk subscription that leaves them out: 100 messages, 1000 ms.
            var bulk = s["bulkSubscribe"] is { } b && b["enabled"]?.GetValue<bool>() == true
                ? new BulkSettings(b["maxMessagesCount"]?.GetValue<int>() is > 0 and var count ? count : 100, TimeSpan.FromMilliseconds(b["maxAwaitDurationMs"]?.GetValue<int>() is > 0 and var ms ? ms : 1000))
                : null;
            subscriptions.Add(new Subscription((s["pubsubName"] ?? s["pubsubname"])!.GetValue<string>(), s["topic"]!.GetValue<string>(),
                "/" + route.TrimStart('/'), (s["deadLetterTopic"] ?? s["deadlettertopic"])?.GetValue<string>(), bulk));
        }
        lock (_lock)
        {
            _apps.RemoveAll(a => a.AppId == appId);
            _apps.Add(new App(appId, app, appApiToken, subscriptions));
            _pump ??= Task.Run(PumpAsync);
        }
        _signal.Release();
    }

    /// <summary>Detaches an app (its process stopped): its messages wait for it.</summary>
    public void Detach(string appId)
    {
        lock (_lock)
        {
            _apps.RemoveAll(a => a.AppId == appId);
        }
    }

    /// <summary>The subscriptions an attached app announced.</summary>
    public IReadOnlyList<(string PubSub, string Topic, string Route, string? DeadLetterTopic)> SubscriptionsOf(string appId)
    {
        lock (_lock)
        {
            return [.. _apps.Single(a => a.AppId == appId).Subscriptions.Select(s => (s.PubSub, s.Topic, s.Route, s.DeadLetterTopic))];
        }
    }

    /// <summary>The bulk settings of an attached app's subscription to a topic (null: delivered one by one).</summary>
    public (int MaxMessages, TimeSpan MaxAwait)? BulkOf(string appId, string topic)
    {
        lock (_lock)
        {
            return _apps.Single(a => a.AppId == appId).Subscriptions.Single(s => s.Topic == topic).Bulk is { } bulk ? (bulk.MaxMessages, bulk.MaxAwait) : null;
        }
    }

    public void Publish(string pubsub, string topic, ByteString data, string contentType)
    {
        lock (_lock)
        {
            _published.Add((pubsub, topic, contentType, data));
            _queue.Add(new Message(pubsub, topic, data, contentType, Guid.NewGuid().ToString()) { NotBefore = DateTime.UtcNow });
        }
        _signal.Release();
    }

    /// <summary>Completes once nothing is queued or being delivered to an attached app.</summary>
    public async Task WhenIdleAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_lock)
            {
                if (_inFlight == 0 && !_queue.Any(m => Deliverable(m).Count > 0))
                {
                    return;
                }
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the broker still has messages to deliver");
            }
            await Task.Delay(20);
        }
    }

    private List<(App App, Subscription Subscription)> Deliverable(Message message) =>
        [.. _apps.SelectMany(a => a.Subscriptions.Where(s => s.PubSub == message.PubSub && s.Topic == message.Topic).Select(s => (a, s)))
            .Where(t => !message.AckedBy.Contains(t.a.AppId))];

    private async Task PumpAsync()
    {
        var running = new List<Task>();
        while (!_stop.IsCancellationRequested)
        {
            List<(List<Message> Messages, App App, Subscription Subscription)> round;
            lock (_lock)
            {
                var now = DateTime.UtcNow;
                var candidates = _queue.Where(m => !m.InFlight && m.NotBefore <= now).ToList();
                if (Shuffle is { } seed)
                {
                    candidates = [.. candidates.OrderBy(_ => Random.Shared.Next()).OrderBy(m => HashCode.Combine(m.Id, seed))];
                }
                round = [];
                var held = new HashSet<(string, string)>();
                foreach (var message in candidates)
                {
                    if (_requestsInFlight + round.Count >= Concurrency)
                    {
                        break;
                    }
                    if (message.InFlight || Deliverable(message) is not [var target, ..] || held.Contains((target.App.AppId, target.Subscription.Topic)))
                    {
                        continue;
                    }
                    if (target.Subscription.Bulk is not { } bulk)
                    {
                        message.InFlight = true;
                        round.Add(([message], target.App, target.Subscription));
                        continue;
                    }
                    // As daprd's bulk subscriber: up to maxMessagesCount of the subscription's ready messages, or fewer once
                    // the oldest has waited maxAwaitDurationMs.
                    var batch = candidates.Where(m => !m.InFlight && Deliverable(m) is [var t, ..] && t.App == target.App && t.Subscription == target.Subscription)
                        .Take(bulk.MaxMessages).ToList();
                    if (batch.Count < bulk.MaxMessages && batch.Min(m => m.NotBefore) + bulk.MaxAwait > now)
                    {
                        held.Add((target.App.AppId, target.Subscription.Topic));
                        continue;
                    }
                    foreach (var m in batch)
                    {
                        m.InFlight = true;
                    }
                    round.Add((batch, target.App, target.Subscription));
                }
                _requestsInFlight += round.Count;
                _inFlight += round.Sum(r => r.Messages.Count);
                _requests.AddRange(round.Select(r => (r.App.AppId, r.Subscription.Topic, r.Messages.Count)));
            }
            foreach (var (messages, app, subscription) in round)
            {
                running.Add(subscription.Bulk is null ? DeliverAsync(messages[0], app, subscription) : DeliverBulkAsync(messages, app, subscription));
            }
            running.RemoveAll(t => t.IsCompleted);
            try
            {
                await _signal.WaitAsync(TimeSpan.FromMilliseconds(20), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await Task.WhenAll(running);
    }

    private HttpRequestMessage Request(App app, Subscription subscription, byte[] body, string contentType)
    {
        // The app's protocol as daprd's --app-protocol gives it (http: HTTP/1.1, h2c: HTTP/2 without TLS), which is
        // what the app's client was made for; a request message would otherwise go out as HTTP/1.1 whatever the client says.
        var request = new HttpRequestMessage(HttpMethod.Post, subscription.Route)
        {
            Content = new ByteArrayContent(body),
            Version = app.Client.DefaultRequestVersion,
            VersionPolicy = app.Client.DefaultVersionPolicy,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (app.Token is { Length: > 0 } token)
        {
            request.Headers.Add("dapr-api-token", token);
        }
        return request;
    }

    private async Task DeliverAsync(Message message, App app, Subscription subscription)
    {
        string status;
        try
        {
            using var request = Request(app, subscription, CloudEvent(message), "application/cloudevents+json");
            using var response = await app.Client.SendAsync(request, _stop.Token);
            var body = await response.Content.ReadAsStringAsync();
            status = response.StatusCode != HttpStatusCode.OK ? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)
                : body.Length == 0 ? "SUCCESS"
                : JsonNode.Parse(body)?["status"]?.GetValue<string>()?.ToUpperInvariant() ?? "SUCCESS";
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            status = "unreachable";
        }
        Settle([(message, status)], app, subscription, dropToDeadLetter: false);
    }

    private async Task DeliverBulkAsync(List<Message> messages, App app, Subscription subscription)
    {
        var entryIds = messages.Select(_ => Guid.NewGuid().ToString()).ToList();
        var envelope = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["entries"] = new JsonArray([.. messages.Select((m, i) => (JsonNode)new JsonObject
            {
                ["entryId"] = entryIds[i],
                ["event"] = JsonNode.Parse(CloudEvent(m)),
                ["contentType"] = "application/cloudevents+json",
                ["metadata"] = new JsonObject(),
            })]),
            ["metadata"] = new JsonObject(),
            ["pubsubname"] = subscription.PubSub,
            ["topic"] = subscription.Topic,
            ["type"] = "com.dapr.event.sent",
        };
        List<(Message, string)> answers;
        try
        {
            using var request = Request(app, subscription, Encoding.UTF8.GetBytes(envelope.ToJsonString()), "application/json");
            using var response = await app.Client.SendAsync(request, _stop.Token);
            var body = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                // An entry the app gave no status for (or an unknown one) is retried, as daprd does.
                var statuses = (JsonNode.Parse(body)?["statuses"]?.AsArray() ?? []).Where(n => n?["entryId"] is not null)
                    .GroupBy(n => n!["entryId"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Last()!["status"]?.GetValue<string>()?.ToUpperInvariant());
                answers = [.. messages.Select((m, i) => (m, statuses.GetValueOrDefault(entryIds[i]) is { } known && known is "SUCCESS" or "DROP" ? known : "RETRY"))];
            }
            else
            {
                var status = response.StatusCode == HttpStatusCode.NotFound ? "DROP" : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                answers = [.. messages.Select(m => (m, status))];
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or JsonException)
        {
            answers = [.. messages.Select(m => (m, "unreachable"))];
        }
        Settle(answers, app, subscription, dropToDeadLetter: true);
    }

    private void Settle(IReadOnlyList<(Message Message, string Status)> answers, App app, Subscription subscription, bool dropToDeadLetter)
    {
        var deadLetters = new List<Message>();
        lock (_lock)
        {
            _requestsInFlight--;
            foreach (var (message, status) in answers)
            {
                _answers.Add((app.AppId, message, status));
                message.InFlight = false;
                message.Attempts++;
                _inFlight--;
                if (status is "SUCCESS" or "DROP")
                {
                    message.AckedBy.Add(app.AppId);
                    if (status == "DROP" && dropToDeadLetter && subscription.DeadLetterTopic is not null)
                    {
                        deadLetters.Add(message);
                    }
                }
                else if (message.Attempts >= MaxAttempts)
                {
                    message.AckedBy.Add(app.AppId);
                    if (subscription.DeadLetterTopic is not null)
                    {
                        deadLetters.Add(message);
                    }
                }
                else
                {
                    message.NotBefore = DateTime.UtcNow + RedeliveryDelay;
                }
                if (_apps.Count > 0 && _apps.Where(a => a.Subscriptions.Any(s => s.PubSub == message.PubSub && s.Topic == message.Topic)).All(a => message.AckedBy.Contains(a.AppId)))
                {
                    _queue.Remove(message);
                }
            }
        }
        foreach (var message in deadLetters)
        {
            Publish(message.PubSub, subscription.DeadLetterTopic!, message.Data, message.ContentType);
        }
        _signal.Release();
    }

    private static byte[] CloudEvent(Message message)
    {
        var json = message.ContentType.StartsWith("application/cloudevents+json", StringComparison.Ordinal)
            ? JsonNode.Parse(message.Data.ToStringUtf8())!.AsObject()
            : new JsonObject
            {
                ["specversion"] = "1.0", ["id"] = message.Id, ["source"] = "dapr-sidecar-double", ["type"] = "com.dapr.event.sent",
                ["datacontenttype"] = message.ContentType,
            };
        if (!json.ContainsKey("data") && !json.ContainsKey("data_base64"))
        {
            if (message.ContentType.Contains("json", StringComparison.Ordinal))
            {
                json["data"] = JsonNode.Parse(message.Data.ToStringUtf8());
            }
            else
            {
                json["data_base64"] = message.Data.ToBase64();
            }
        }
        json["topic"] = message.Topic;
        json["pubsubname"] = message.PubSub;
        json["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        return Encoding.UTF8.GetBytes(json.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_pump is { } pump)
        {
            await pump;
        }
        _stop.Dispose();
        _signal.Dispose();
    }

    private sealed record App(string AppId, HttpClient Client, string? Token, List<Subscription> Subscriptions);

    private sealed record Subscription(string PubSub, string Topic, string Route, string? DeadLetterTopic, BulkSettings? Bulk);

    private sealed record BulkSettings(int MaxMessages, TimeSpan MaxAwait);

    private sealed class Message(string pubSub, string topic, ByteString data, string contentType, string id)
    {
        public string PubSub { get; } = pubSub;

        public string Topic { get; } = topic;

        public ByteString Data { get; } = data;

        public string ContentType { get; } = contentType;

        public string Id { get; } = id;

        public int Attempts { get; set; }

        public bool InFlight { get; set; }

        public DateTime NotBefore { get; set; }

        public HashSet<string> AckedBy { get; } = [];
    }
}
