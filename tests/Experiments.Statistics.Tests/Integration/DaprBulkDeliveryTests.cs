using System.Net;
using System.Text.Json;
using Experiments.Contracts.V1;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Tests.Support;
using Experiments.Tests.Shared;
using Experiments.Testing.Dapr;
using Google.Protobuf;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>
/// Dapr's bulk subscribe (the default in Dapr mode): the subscription announces <c>bulkSubscribe</c> through
/// Dapr.AspNetCore, the sidecar double delivers many messages per callback as daprd does, and the app answers each
/// entry SUCCESS / RETRY / DROP by the same rules as a single delivery.
/// </summary>
public sealed class DaprBulkDeliveryTests : DaprModeTestBase
{
    [Fact]
    public async Task The_subscriptions_announce_bulk_subscribe_with_the_configured_sizes()
    {
        await using var host = Host(Sidecar, Data.Path, new() { ["Dapr:BulkMaxMessages"] = "250", ["Dapr:BulkMaxAwait"] = "00:00:00.040" });
        using var http = host.CreateClient();

        using var response = await http.GetAsync("/dapr/subscribe");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        foreach (var topic in new[] { "experiment-events", "experiment-events-dead-letter" })
        {
            var subscription = Assert.Single(document.RootElement.EnumerateArray(), s => s.GetProperty("topic").GetString() == topic);
            var bulk = subscription.GetProperty("bulkSubscribe");
            Assert.True(bulk.GetProperty("enabled").GetBoolean());
            Assert.Equal(250, bulk.GetProperty("maxMessagesCount").GetInt32());
            Assert.Equal(40, bulk.GetProperty("maxAwaitDurationMs").GetInt32());
        }
        Assert.Equal("experiment-events-dead-letter", document.RootElement.EnumerateArray()
            .Single(s => s.GetProperty("topic").GetString() == "experiment-events").GetProperty("deadLetterTopic").GetString());
    }

    [Fact]
    public async Task With_bulk_subscribe_off_the_subscriptions_ask_for_single_deliveries()
    {
        await using var host = Host(Sidecar, Data.Path, new() { ["Dapr:BulkSubscribe"] = "false" });
        using var http = host.CreateClient();

        using var document = JsonDocument.Parse(await http.GetStringAsync("/dapr/subscribe"));

        Assert.All(document.RootElement.EnumerateArray(), s => Assert.False(s.TryGetProperty("bulkSubscribe", out var bulk) && bulk.ValueKind == JsonValueKind.Object && bulk.GetProperty("enabled").GetBoolean()));
    }

    [Fact]
    public void Bulk_sizes_out_of_range_are_refused_at_start()
    {
        var failure = Assert.ThrowsAny<Exception>(() => Host(Sidecar, Data.Path, new() { ["Dapr:BulkMaxMessages"] = "0" }).Get<StatisticsShard>());

        Assert.Contains("Dapr:BulkMaxMessages", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bulk_delivery_shuffled_gives_the_verdict_of_one_by_one_delivery_in_order()
    {
        var traffic = new Traffic(71, "exp-1");
        var events = Forwarding.Log(traffic.Users(80));
        await using var other = await DaprSidecarDouble.StartAsync();
        using var otherData = new TempDirectory();
        Verdict inOrder;
        other.Broker.Concurrency = 1;
        await using (var reference = await AttachedAsync(Host(other, otherData.Path, new() { ["Dapr:BulkSubscribe"] = "false" }), other))
        {
            await DaprPublishing.PublishAsync(other, "log-a", events);
            await other.Broker.WhenIdleAsync(Patience);
            inOrder = await SettledVerdictAsync(reference, traffic);
            Assert.Null(other.Broker.BulkOf("statistics", "experiment-events"));
        }

        Sidecar.Broker.Shuffle = 11;
        Sidecar.Broker.MaxAttempts = 10_000;
        await using var host = await AttachedAsync(Host(Sidecar, Data.Path, new() { ["Dapr:BulkMaxMessages"] = "64" }), Sidecar);
        // Exposures last: many entries of a bulk come before their unit's exposure, in the same bulk or a later one.
        await DaprPublishing.PublishAsync(Sidecar, "log-a", events.OrderBy(e => e.Event.Exposure is null ? 0 : 1));
        await Sidecar.Broker.WhenIdleAsync(Patience);
        var verdict = await SettledVerdictAsync(host, traffic);

        // The reference is what the generator produced, and the one-by-one run got each message in its own request.
        Assert.Equal(traffic.Requests, inOrder.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
        Assert.Equal(traffic.Exposed, inOrder.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.All(other.Broker.Requests, r => Assert.Equal(1, r.Entries));
        VerdictAssert.Same(inOrder, verdict, 1e-9);
        // Delivered in bulk, up to Dapr:BulkMaxMessages per callback.
        Assert.Equal(64, Sidecar.Broker.Requests.Max(r => r.Entries));
        Assert.All(Sidecar.Broker.Answers.GroupBy(a => a.Data), m => Assert.Equal("SUCCESS", m.Last().Status));
        Assert.DoesNotContain(Sidecar.Broker.Answers, a => a.Topic.EndsWith("-dead-letter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bulk_answers_retry_for_exactly_the_entries_of_unexposed_units_and_they_count_once_when_redelivered()
    {
        var traffic = new Traffic(72, "exp-1");
        var events = Forwarding.Log(traffic.Users(12));
        // Users 8–11's exposures come later: their other events arrive first, in the same bulk as everyone else's.
        static bool Late(LoggedEvent e) => int.Parse(e.Event.UserId["user-".Length..], System.Globalization.CultureInfo.InvariantCulture) >= 8;
        var lateExposures = events.Where(e => Late(e) && e.Event.Exposure is not null).ToList();
        var first = events.Except(lateExposures).ToList();
        var waiting = first.Where(Late).Select(e => e.Event.EventId).ToHashSet();
        Sidecar.Broker.MaxAttempts = 10_000;
        await using var host = await AttachedAsync(Host(Sidecar, Data.Path, new() { ["Dapr:BulkMaxMessages"] = first.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Dapr:BulkMaxAwait"] = "00:00:02" }), Sidecar);

        await DaprPublishing.PublishAsync(Sidecar, "log-a", first);
        await IntakeTests.WaitUntilAsync(() => Sidecar.Broker.Answers.Count >= first.Count, Patience);
        var firstBulk = Sidecar.Broker.Answers.Take(first.Count).ToList();
        Assert.Equal(first.Count, Sidecar.Broker.Requests[0].Entries);
        Assert.Equal(waiting, firstBulk.Where(a => a.Status == "RETRY").Select(a => EventIdOf(a.Data)).ToHashSet());
        Assert.All(firstBulk.Where(a => !waiting.Contains(EventIdOf(a.Data))), a => Assert.Equal("SUCCESS", a.Status));

        await DaprPublishing.PublishAsync(Sidecar, "log-a", lateExposures);
        await Sidecar.Broker.WhenIdleAsync(Patience);

        var verdict = await SettledVerdictAsync(host, traffic);
        Assert.Equal(traffic.Exposed, verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.Equal(traffic.Requests, verdict.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
        Assert.All(Sidecar.Broker.Answers.Where(a => waiting.Contains(EventIdOf(a.Data))).GroupBy(a => a.Data), m => Assert.Equal("SUCCESS", m.Last().Status));
    }

    [Fact]
    public async Task A_bulk_answers_drop_for_a_malformed_entry_only()
    {
        var traffic = new Traffic(73, "exp-1");
        var events = Forwarding.Log(traffic.Users(5));
        await using var host = await AttachedAsync(Host(Sidecar, Data.Path, new()
        {
            ["Dapr:BulkMaxMessages"] = (events.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), ["Dapr:BulkMaxAwait"] = "00:00:05",
        }), Sidecar);

        Sidecar.Broker.Publish("pubsub", "experiment-events", ByteString.CopyFromUtf8("not json"), "text/plain");
        await DaprPublishing.PublishAsync(Sidecar, "log-a", events);
        await IntakeTests.WaitUntilAsync(() => Sidecar.Broker.Answers.Count >= events.Count + 1, Patience);

        var answers = Sidecar.Broker.Answers.Take(events.Count + 1).ToList();
        Assert.Equal(events.Count + 1, Sidecar.Broker.Requests[0].Entries);
        Assert.Equal("DROP", Assert.Single(answers, a => a.Data.ToStringUtf8() == "not json").Status);
        Assert.All(answers.Where(a => a.Data.ToStringUtf8() != "not json"), a => Assert.Equal("SUCCESS", a.Status));
        var verdict = await SettledVerdictAsync(host, traffic);
        Assert.Equal(traffic.Requests, verdict.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
    }

    // The event a message carries as DaprPublishing publishes it (a ForwardRequest of one event in protobuf JSON).
    private static string EventIdOf(ByteString data) =>
        JsonParser.Default.Parse<ForwardRequest>(data.ToStringUtf8()).Events.Single().Event.EventId;
}
