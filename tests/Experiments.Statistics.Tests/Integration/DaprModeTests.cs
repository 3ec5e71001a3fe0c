using System.Net;
using System.Text;
using System.Text.Json;
using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Tests.Support;
using Experiments.Tests.Shared;
using Experiments.Testing.Dapr;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>
/// Dapr mode (Dapr:HttpPort or $DAPR_HTTP_PORT set) against the sidecar double: checkpoints through DaprClient's state
/// calls, messages published through DaprClient's bulk publish and delivered by the double to the subscriptions the
/// service announces through Dapr.AspNetCore, answered SUCCESS/RETRY/DROP by Dapr's contract.
/// </summary>
public sealed class DaprModeTests : DaprModeTestBase
{
    [Fact]
    public async Task The_subscriptions_announce_the_topic_with_its_dead_letter_topic_through_Dapr_AspNetCore()
    {
        await using var host = Host(extra: new() { ["Dapr:PubSubName"] = "events-pubsub" });
        using var http = host.CreateClient();

        using var response = await http.GetAsync("/dapr/subscribe");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var subscriptions = document.RootElement.EnumerateArray().ToList();
        var events = Assert.Single(subscriptions, s => s.GetProperty("topic").GetString() == "experiment-events");
        Assert.Equal("events-pubsub", events.GetProperty("pubsubName").GetString());
        Assert.Equal("dapr/events/experiment-events", events.GetProperty("route").GetString());
        Assert.Equal("experiment-events-dead-letter", events.GetProperty("deadLetterTopic").GetString());
        Assert.Contains(subscriptions, s => s.GetProperty("topic").GetString() == "experiment-events-dead-letter");
    }

    [Fact]
    public async Task Published_events_are_counted_once_despite_redelivery_and_restored_after_a_restart()
    {
        var traffic = new Traffic(61, "exp-1");
        var events = Forwarding.Log(traffic.Users(120));
        await using (var host = await AttachedAsync(Host(), Sidecar))
        {
            await DaprPublishing.PublishAsync(Sidecar, "log-a", events);
            // At-least-once: the same messages again, as a broker redelivers after a lost acknowledgement.
            await DaprPublishing.PublishAsync(Sidecar, "log-a", events.AsEnumerable().Reverse().Take(60));
            await Sidecar.Broker.WhenIdleAsync(Patience);

            var verdict = await SettledVerdictAsync(host, traffic);
            Assert.Equal(traffic.Exposed, verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
            Assert.Equal(traffic.Requests, verdict.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
            // A request delivered beside its unit's exposure may be answered RETRY first; every message ends acknowledged.
            Assert.All(Sidecar.Broker.Answers.GroupBy(a => a.Data), m => Assert.Equal("SUCCESS", m.Last().Status));
            Assert.DoesNotContain(Sidecar.Broker.Answers, a => a.Topic.EndsWith("-dead-letter", StringComparison.Ordinal));
            Assert.Contains("statistics-checkpoint-statistics", Sidecar.Store("statestore").Keys);
            // The service's own state calls carry its token (the test publishes without one).
            Assert.All(Sidecar.Calls.Zip(Sidecar.Tokens).Where(c => c.First.Contains("State", StringComparison.Ordinal)), c => Assert.Equal("sidecar-token", c.Second));
        }
        Sidecar.Broker.Detach("statistics");

        await using var restarted = Host();
        var restored = await restarted.Client().WaitForVerdictAsync("exp-1", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum());
        Assert.Equal(traffic.Requests, restored.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
    }

    [Fact]
    public async Task Events_delivered_out_of_order_count_as_when_delivered_in_order()
    {
        var traffic = new Traffic(65, "exp-1");
        var events = Forwarding.Log(traffic.Users(60));
        await using var other = await DaprSidecarDouble.StartAsync();
        using var otherData = new TempDirectory();
        Verdict inOrder;
        other.Broker.Concurrency = 1;
        await using (var reference = await AttachedAsync(Host(other, otherData.Path), other))
        {
            await DaprPublishing.PublishAsync(other, "log-a", events);
            await other.Broker.WhenIdleAsync(Patience);
            inOrder = await SettledVerdictAsync(reference, traffic);
        }

        // Every unit's requests, custom metrics and logins published first, its exposure last, delivered shuffled; those
        // that come before their exposure are answered RETRY and redelivered (a resiliency policy long enough for it).
        Sidecar.Broker.Shuffle = 7;
        Sidecar.Broker.MaxAttempts = 10_000;
        await using var host = await AttachedAsync(Host(), Sidecar);
        await DaprPublishing.PublishAsync(Sidecar, "log-a", events.OrderBy(e => e.Event.Exposure is null ? 0 : 1));
        await Sidecar.Broker.WhenIdleAsync(Patience);
        var verdict = await SettledVerdictAsync(host, traffic);

        Assert.Equal(traffic.Requests, inOrder.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
        VerdictAssert.Same(inOrder, verdict, 1e-9);
        Assert.Contains(Sidecar.Broker.Answers, a => a.Status == "RETRY");
        Assert.DoesNotContain(Sidecar.Broker.Answers, a => a.Topic.EndsWith("-dead-letter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_event_whose_unit_is_never_exposed_is_retried_then_taken_from_the_dead_letter_topic_unattributed()
    {
        var traffic = new Traffic(68, "exp-1");
        var events = Forwarding.Log(traffic.Users(4));
        var orphan = events.First(e => e.Event.Exposure is null && e.Event.UserId == "user-0");
        Sidecar.Broker.MaxAttempts = 3;
        await using var host = await AttachedAsync(Host(), Sidecar);

        await DaprPublishing.PublishAsync(Sidecar, "log-a", [orphan]);
        await Sidecar.Broker.WhenIdleAsync(Patience);

        Assert.Equal([("experiment-events", "RETRY"), ("experiment-events", "RETRY"), ("experiment-events", "RETRY"), ("experiment-events-dead-letter", "SUCCESS")],
            Sidecar.Broker.Answers.Select(a => (a.Topic, a.Status)));
        // Taken once, as it is: its unit has no exposure, so nothing is attributed (and the definitions stay known).
        var verdict = await host.Client().WaitForVerdictAsync("exp-1", _ => true);
        Assert.Equal(0, verdict.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Sum(a => a.Observations));
    }

    [Fact]
    public async Task Events_awaiting_their_exposure_when_the_process_is_killed_are_counted_once_after_it_restarts()
    {
        var traffic = new Traffic(69, "exp-1");
        var events = Forwarding.Log(traffic.Users(40));
        // The exposures of every other user are published only while the process is down: their events wait for them.
        var late = events.Where(e => e.Event.Exposure is not null && int.Parse(e.Event.UserId["user-".Length..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 1).ToList();
        var first = events.Except(late).ToList();
        var waiting = first.Count(e => late.Any(x => x.Event.UserId == e.Event.UserId));
        Sidecar.Broker.MaxAttempts = 10_000;
        string[] arguments =
        [
            "--Data:Folder=" + Data.Path, "--Statistics:AssignmentAddress=" + Assignment.Address, "--Statistics:VerdictInterval=00:00:00.050",
            "--Statistics:CheckpointInterval=00:00:00.050", "--Dapr:HttpPort=" + Sidecar.HttpPort, "--Dapr:GrpcPort=" + Sidecar.GrpcPort,
        ];

        await using (var statistics = await StartAttachedAsync(arguments))
        {
            await DaprPublishing.PublishAsync(Sidecar, "log-a", first);
            // Everything else acknowledged; the late users' events answered RETRY, so the broker, not the process, holds them.
            await IntakeTests.WaitUntilAsync(() =>
            {
                var answers = Sidecar.Broker.Answers;
                var acknowledged = answers.Where(a => a.Status == "SUCCESS").Select(a => a.Data).ToHashSet();
                return acknowledged.Count == first.Count - waiting
                    && answers.Where(a => a.Status == "RETRY" && !acknowledged.Contains(a.Data)).Select(a => a.Data).Distinct().Count() == waiting;
            }, Patience);
            Sidecar.Broker.Detach("statistics");
            await statistics.KillAsync();
        }

        await DaprPublishing.PublishAsync(Sidecar, "log-a", late);
        // And a redelivery of messages acknowledged before the kill, as after a lost acknowledgement.
        await DaprPublishing.PublishAsync(Sidecar, "log-a", first.Take(20));
        await using var restarted = await StartAttachedAsync(arguments);
        await Sidecar.Broker.WhenIdleAsync(Patience);

        var verdict = await new StatisticsClient(GrpcChannel.ForAddress(restarted.Address).WithApiKey("dev-local-key")).WaitForVerdictAsync("exp-1",
            v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum() && v.KpiResults[0].Arms.Sum(a => a.Observations) >= traffic.Requests.Sum(), Patience);
        await Task.Delay(300);
        verdict = await new StatisticsClient(GrpcChannel.ForAddress(restarted.Address).WithApiKey("dev-local-key")).GetVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-1" });
        Assert.Equal(traffic.Exposed, verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.Equal(traffic.Requests, verdict.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
        Assert.DoesNotContain(Sidecar.Broker.Answers, a => a.Topic.EndsWith("-dead-letter", StringComparison.Ordinal));
    }

    private async Task<ServiceProcess> StartAttachedAsync(string[] arguments)
    {
        var statistics = await ServiceProcess.StartAsync("Experiments.Statistics", arguments);
        var h2c = new HttpClient { BaseAddress = new Uri(statistics.Address), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        await IntakeTests.WaitUntilAsync(() => h2c.GetAsync("dapr/subscribe").Result.IsSuccessStatusCode, Patience);
        await Sidecar.Broker.AttachAsync("statistics", h2c);
        return statistics;
    }

    [Fact]
    public async Task A_message_that_is_not_a_forward_request_is_dropped()
    {
        await using var host = await AttachedAsync(Host(), Sidecar);

        Sidecar.Broker.Publish("pubsub", "experiment-events", ByteString.CopyFromUtf8("""{"logId":"l","events":[]}"""), "application/json");
        Sidecar.Broker.Publish("pubsub", "experiment-events", ByteString.CopyFromUtf8("not json"), "text/plain");
        await Sidecar.Broker.WhenIdleAsync(Patience);

        // (A bulk delivery's dropped entries also go to the dead-letter topic, as daprd sends them; dropped there again.)
        Assert.Equal(["DROP", "DROP"], Sidecar.Broker.Answers.Where(a => a.Topic == "experiment-events").Select(a => a.Status));
    }

    [Fact]
    public async Task A_delivery_whose_checkpoint_cannot_commit_is_retried_and_counted_once()
    {
        var traffic = new Traffic(62, "exp-1");
        var events = Forwarding.Log(traffic.Users(30));
        await using var host = await AttachedAsync(Host(extra: new() { ["Dapr:CommitTimeout"] = "00:00:00.500" }), Sidecar);

        Sidecar.FailSaves = true;
        await DaprPublishing.PublishAsync(Sidecar, "log-a", events);
        await IntakeTests.WaitUntilAsync(() => Sidecar.Broker.Answers.Any(a => a.Status == "RETRY"), Patience);
        Sidecar.FailSaves = false;
        await Sidecar.Broker.WhenIdleAsync(Patience);

        var verdict = await SettledVerdictAsync(host, traffic);
        Assert.Equal(traffic.Exposed, verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.Equal(traffic.Requests, verdict.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
    }

    [Fact]
    public async Task A_checkpoint_key_changed_by_another_writer_is_not_overwritten_and_deliveries_are_retried()
    {
        var events = Forwarding.Log(new Traffic(63, "exp-1").Users(10));
        await using var host = await AttachedAsync(Host(extra: new() { ["Dapr:CommitTimeout"] = "00:00:00.500" }), Sidecar);
        await DaprPublishing.PublishAsync(Sidecar, "log-a", events.Take(1));
        await Sidecar.Broker.WhenIdleAsync(Patience);

        Sidecar.Store("statestore").OverwriteFromElsewhere("statistics-checkpoint-statistics");
        await DaprPublishing.PublishAsync(Sidecar, "log-a", events.Skip(1).Take(1));
        await IntakeTests.WaitUntilAsync(() => Sidecar.Broker.Answers.Count(a => a.Status == "RETRY") >= 2, Patience);

        Assert.Equal("SUCCESS", Sidecar.Broker.Answers[0].Status);
    }

    [Fact]
    public async Task Deliveries_without_the_app_token_are_refused()
    {
        await using var host = Host();
        using var http = host.CreateClient();

        using var response = await http.PostAsync("/dapr/events/experiment-events", new StringContent("{}", Encoding.UTF8, "application/cloudevents+json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Without_Dapr_HttpPort_the_sidecar_ports_come_from_daprs_variables()
    {
        await using var host = new StatisticsHost(Data.Path, new Dictionary<string, string>
        {
            ["Statistics:AssignmentAddress"] = Assignment.Address,
            ["DAPR_HTTP_PORT"] = Sidecar.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DAPR_GRPC_PORT"] = Sidecar.GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        await host.Get<StatisticsShard>().DefinitionsReady.WaitAsync(Patience);
        await IntakeTests.WaitUntilAsync(() => Sidecar.Calls.Contains("GetState statestore/statistics-checkpoint-statistics"), Patience);

        Assert.False(File.Exists(Path.Combine(Data.Path, "statistics.db")));
    }

    [Fact]
    public async Task A_process_started_before_its_sidecar_says_so_in_one_line_and_starts_when_it_answers()
    {
        Sidecar.Healthy = false;
        await using var statistics = await ServiceProcess.StartAsync("Experiments.Statistics",
            "--Data:Folder=" + Data.Path, "--Statistics:AssignmentAddress=" + Assignment.Address,
            "--Dapr:HttpPort=" + Sidecar.HttpPort, "--Dapr:GrpcPort=" + Sidecar.GrpcPort);
        using var channel = GrpcChannel.ForAddress(statistics.Address);
        var health = new Grpc.Health.V1.Health.HealthClient(channel);

        await IntakeTests.WaitUntilAsync(() => statistics.Output.Contains("waiting for the Dapr sidecar", StringComparison.Ordinal), Patience);
        for (var probe = 0; probe < 3; probe++)
        {
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
        }
        Sidecar.Healthy = true;
        await IntakeTests.WaitUntilAsync(() => health.Check(new HealthCheckRequest()).Status == HealthCheckResponse.Types.ServingStatus.Serving, Patience);

        var lines = statistics.Output.Split('\n').Where(l => l.Contains("Dapr sidecar", StringComparison.Ordinal) || l.Contains("   at ", StringComparison.Ordinal)).ToList();
        // Said once, whatever else is logged meanwhile (health probes log their own short reason at each probe).
        var told = statistics.Output.Split('\n').Where(l => l.Contains("waiting for the Dapr sidecar", StringComparison.Ordinal)).ToList();
        Assert.Contains("127.0.0.1:" + Sidecar.HttpPort, Assert.Single(told), StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("   at ", StringComparison.Ordinal));
        Assert.False(statistics.HasExited);
    }

    [Fact]
    public async Task Three_replicas_each_get_only_their_partitions_and_merge_to_the_verdict_of_one()
    {
        const int partitions = 3;
        var traffic = new Traffic(67, "exp-1") { TreatmentLatencyFactor = 0.93 };
        var events = Forwarding.Log(traffic.Users(300));
        // Each delivery is answered once a checkpoint holds it: many at a time, as a broker's consumers would.
        Sidecar.Broker.Concurrency = 256;

        // The reference: one replica owning every partition, fed through the same topics.
        await using var single = await DaprSidecarDouble.StartAsync();
        single.Broker.Concurrency = 256;
        using var singleData = new TempDirectory();
        Verdict expected;
        await using (var one = await AttachedAsync(Host(single, singleData.Path, new() { ["Statistics:PartitionCount"] = "3" }), single))
        {
            await DaprPublishing.PublishAsync(single, "log-a", events, partitions);
            await single.Broker.WhenIdleAsync(Patience);
            expected = await SettledVerdictAsync(one, traffic);
        }

        var replicas = new List<ServiceProcess>();
        try
        {
            for (var r = 0; r < partitions; r++)
            {
                var replica = await ServiceProcess.StartAsync("Experiments.Statistics",
                    "--Data:Folder=" + Path.Combine(Data.Path, "replica-" + r), "--Statistics:AssignmentAddress=" + Assignment.Address,
                    "--Statistics:PartitionCount=3", "--Statistics:OwnedPartitions:0=" + r, "--Statistics:VerdictInterval=00:00:00.050",
                    "--Statistics:CheckpointInterval=00:00:00.050", "--Dapr:HttpPort=" + Sidecar.HttpPort, "--Dapr:GrpcPort=" + Sidecar.GrpcPort, "--Logging:LogLevel:Default=Warning");
                replicas.Add(replica);
                var h2c = new HttpClient { BaseAddress = new Uri(replica.Address), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
                await IntakeTests.WaitUntilAsync(() => h2c.GetAsync("dapr/subscribe").Result.IsSuccessStatusCode, Patience);
                await Sidecar.Broker.AttachAsync("statistics-" + r, h2c);
                Assert.Equal(["experiment-events-p" + r, "experiment-events-p" + r + "-dead-letter"],
                    Sidecar.Broker.SubscriptionsOf("statistics-" + r).Select(s => s.Topic).Order());
            }
            await DaprPublishing.PublishAsync(Sidecar, "log-a", events, partitions);
            await Sidecar.Broker.WhenIdleAsync(Patience);

            // Each replica was offered only its own partition's messages (a few answered RETRY while a checkpoint was
            // pending, and were counted once when redelivered).
            Assert.All(Sidecar.Broker.Answers, a => Assert.Equal("experiment-events-p" + a.AppId[^1], a.Topic));
            Assert.Equal(events.Count, Sidecar.Broker.Answers.Count(a => a.Status == "SUCCESS"));
            var settings = new Dictionary<string, string>
            {
                ["Statistics:AssignmentAddress"] = Assignment.Address, ["Statistics:PartitionCount"] = "3", ["Statistics:ShardApiKey"] = "dev-internal-key",
            };
            for (var r = 0; r < partitions; r++)
            {
                settings["Statistics:ShardAddresses:" + r] = replicas[r].Address;
            }
            await using var coordinator = new StatisticsHost(Path.Combine(Data.Path, "coordinator"), settings);
            var shards = new StatisticsShards.StatisticsShardsClient(coordinator.Channel);
            var read = new CallOptions(new Metadata { { "authorization", "Bearer " + StatisticsHost.ReadKey } });
            Verdict merged = new();
            await IntakeTests.WaitUntilAsync(() =>
            {
                merged = shards.GetMergedVerdict(new GetVerdictRequest { ExperimentId = "exp-1" }, read);
                return merged.KpiResults[0].Arms.Sum(a => a.Observations) == traffic.Requests.Sum() && merged.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum();
            }, Patience);

            Assert.Equal(traffic.Exposed, merged.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
            VerdictAssert.Same(expected, merged, 1e-9);
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }
}
