using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Tests.Support;
using Grpc.Net.Client;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>
/// Dapr mode (Dapr:HttpPort or $DAPR_HTTP_PORT set): the programmatic subscription and CloudEvents delivery answered
/// per Dapr's contract, checkpoints in the state store through a test double of the sidecar's HTTP API.
/// </summary>
public sealed class DaprModeTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AssignmentDouble _assignment = null!;
    private DaprSidecarDouble _sidecar = null!;

    public async Task InitializeAsync()
    {
        _assignment = await AssignmentDouble.StartAsync(0, TestExperiments.Latency("exp-1"));
        _sidecar = await DaprSidecarDouble.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _assignment.DisposeAsync();
        _data.Dispose();
    }

    private StatisticsHost Host(DaprSidecarDouble? sidecar = null, string? dataFolder = null, string? pendingWindow = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Statistics:AssignmentAddress"] = _assignment.Address,
            ["Dapr:HttpPort"] = (sidecar ?? _sidecar).Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dapr:PubSubName"] = "events-pubsub",
            ["Dapr:ApiToken"] = "sidecar-token",
            ["Dapr:AppApiToken"] = "app-token",
            ["Dapr:CommitTimeout"] = "00:00:05",
        };
        if (pendingWindow is not null)
        {
            settings["Dapr:PendingWindow"] = pendingWindow;
        }
        return new StatisticsHost(dataFolder ?? _data.Path, settings);
    }

    private static List<(string Kpi, string Arm, long Units, long Observations)> Counts(Verdict verdict) =>
        [.. verdict.KpiResults.SelectMany(k => k.Arms.Select(a => (k.KpiKey, a.VariantKey, a.Units, a.Observations)))];

    private static List<double> Estimates(Verdict verdict) => [.. verdict.KpiResults.SelectMany(k => k.Arms.Select(a => a.Estimate))];

    /// <summary>
    /// Delivers concurrently across units but in order within a unit — what a broker partitioned by unit (the
    /// forwarder's partitionKey) gives: an event before its unit's exposure would not be attributed.
    /// </summary>
    private static async Task<List<string>> DeliverPerUnitAsync(StatisticsHost host, IEnumerable<LoggedEvent> events)
    {
        var chains = events.GroupBy(e => e.Event.UserId).Select(async unit =>
        {
            var statuses = new List<string>();
            foreach (var logged in unit)
            {
                statuses.Add(await DeliverAsync(host, CloudEvents.Of("log-a", logged)));
            }
            return statuses;
        });
        return [.. (await Task.WhenAll(chains)).SelectMany(s => s)];
    }

    private static async Task<string> DeliverAsync(StatisticsHost host, string body, string token = "app-token")
    {
        using var http = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dapr/events/experiment-events") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json");
        request.Headers.Add("dapr-api-token", token);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["status"], document.RootElement.EnumerateObject().Select(p => p.Name));
        return document.RootElement.GetProperty("status").GetString()!;
    }

    [Fact]
    public async Task The_subscription_lists_the_topic_on_the_configured_pubsub_with_its_route()
    {
        await using var host = Host();
        using var http = host.CreateClient();

        using var response = await http.GetAsync("/dapr/subscribe");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var subscription = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal("events-pubsub", subscription.GetProperty("pubsubname").GetString());
        Assert.Equal("experiment-events", subscription.GetProperty("topic").GetString());
        Assert.Equal("/dapr/events/experiment-events", subscription.GetProperty("route").GetString());
    }

    [Fact]
    public async Task Deliveries_are_applied_once_by_event_id_and_answered_success_after_the_state_store_commit()
    {
        await using var host = Host();
        var traffic = new Traffic(61, "exp-1");
        var events = Forwarding.Log(traffic.Users(120));
        var messages = events.Select(e => CloudEvents.Of("log-a", e)).ToList();

        await host.Get<StatisticsShard>().DefinitionsReady.WaitAsync(TimeSpan.FromSeconds(30)); // before that, deliveries are answered RETRY
        var first = await DeliverPerUnitAsync(host, events);
        // Dapr redelivers at least once: the same messages again, in any order.
        var again = await Task.WhenAll(messages.AsEnumerable().Reverse().Take(60).Select(m => DeliverAsync(host, m)));

        Assert.All(first, s => Assert.Equal("SUCCESS", s));
        Assert.All(again, s => Assert.Equal("SUCCESS", s));
        Assert.True(_sidecar.Saves > 0);
        Assert.Contains("statistics-checkpoint-statistics", _sidecar.Keys);
        Assert.All(_sidecar.Tokens, t => Assert.Equal("sidecar-token", t));
        var verdict = await host.Client().WaitForVerdictAsync("exp-1", v => v.KpiResults[0].Arms.Sum(a => a.Observations) == traffic.Requests.Sum());
        await Task.Delay(200);
        verdict = await host.Client().GetVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-1" });
        Assert.Equal(traffic.Exposed, verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.Equal(traffic.Requests, verdict.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));

        // A restarted replica restores the state from the store: the same counts before any new delivery.
        await host.DisposeAsync();
        await using var restarted = Host();
        var restored = await restarted.Client().WaitForVerdictAsync("exp-1", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum());
        Assert.Equal(traffic.Requests, restored.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
        Assert.Equal("SUCCESS", await DeliverAsync(restarted, messages[0]));
    }

    [Fact]
    public async Task A_units_events_delivered_before_its_exposure_count_as_when_delivered_in_order()
    {
        var traffic = new Traffic(65, "exp-1");
        var events = Forwarding.Log(traffic.Users(60));

        // The reference: the same events through the same endpoint, each unit's in order, into another replica and store.
        await using var otherSidecar = await DaprSidecarDouble.StartAsync();
        using var otherData = new TempDirectory();
        Verdict inOrder;
        await using (var reference = Host(otherSidecar, otherData.Path))
        {
            await reference.Get<StatisticsShard>().DefinitionsReady.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.All(await DeliverPerUnitAsync(reference, events), s => Assert.Equal("SUCCESS", s));
            inOrder = await reference.Client().WaitForVerdictAsync("exp-1", v => v.KpiResults[0].Arms.Sum(a => a.Observations) == traffic.Requests.Sum());
            await Task.Delay(200);
            inOrder = await reference.Client().GetVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-1" });
        }

        await using var host = Host();
        await host.Get<StatisticsShard>().DefinitionsReady.WaitAsync(TimeSpan.FromSeconds(30));
        // Every unit's requests, custom metrics and logins first, its exposure last; units concurrently.
        var reordered = events.OrderBy(e => e.Event.Exposure is null ? 0 : 1).ToList();
        var statuses = await DeliverPerUnitAsync(host, reordered);

        Assert.All(statuses, s => Assert.Equal("SUCCESS", s));
        var verdict = await host.Client().WaitForVerdictAsync("exp-1", v => v.KpiResults[0].Arms.Sum(a => a.Observations) == traffic.Requests.Sum());
        await Task.Delay(200);
        verdict = await host.Client().GetVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-1" });
        Assert.Equal(traffic.Exposed, inOrder.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.Equal(traffic.Requests, inOrder.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
        Assert.Equal(inOrder.SampleRatioCheck.Arms.Select(a => a.ObservedUnits), verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.Equal(Counts(inOrder), Counts(verdict));
        Assert.All(Estimates(inOrder).Zip(Estimates(verdict)), p => Assert.Equal(p.First, p.Second, 9));
        Assert.Equal((0, 0L), host.Get<StatisticsShard>().Pending());
    }

    [Fact]
    public async Task An_event_held_longer_than_the_pending_window_when_its_exposure_arrives_is_not_counted()
    {
        await using var host = Host(pendingWindow: "00:00:02");
        var traffic = new Traffic(66, "exp-1") { DayOneLogins = false };
        var events = Forwarding.Log(traffic.Users(2));
        var late = events.Where(e => e.Event.UserId == "user-0").ToList();
        var timely = events.Where(e => e.Event.UserId == "user-1").ToList();
        var lateRequests = late.Count(e => e.Event.Request is not null);
        var timelyRequests = timely.Count(e => e.Event.Request is not null);
        await host.Get<StatisticsShard>().DefinitionsReady.WaitAsync(TimeSpan.FromSeconds(30));

        foreach (var logged in late.Where(e => e.Event.Exposure is null))
        {
            Assert.Equal("SUCCESS", await DeliverAsync(host, CloudEvents.Of("log-a", logged)));
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        foreach (var logged in timely.Where(e => e.Event.Exposure is null).Concat(late.Where(e => e.Event.Exposure is not null)).Concat(timely.Where(e => e.Event.Exposure is not null)))
        {
            Assert.Equal("SUCCESS", await DeliverAsync(host, CloudEvents.Of("log-a", logged)));
        }

        var verdict = await host.Client().WaitForVerdictAsync("exp-1", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == 2);
        await Task.Delay(200);
        verdict = await host.Client().GetVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-1" });
        Assert.Equal(timelyRequests, verdict.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Sum(a => a.Observations));
        // user-0's requests and custom metric were evicted unattributed; nothing is left held.
        Assert.Equal((0, (long)late.Count(e => e.Event.Exposure is null)), host.Get<StatisticsShard>().Pending());
        Assert.True(lateRequests > 0);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"specversion":"1.0","source":"x","type":"experiments.v1.ForwardRequest","data":{}}""")]
    [InlineData("""{"specversion":"1.0","id":"a","source":"x","type":"com.example.other","data":{"logId":"l"}}""")]
    [InlineData("""{"specversion":"1.0","id":"b","source":"x","type":"experiments.v1.ForwardRequest","data":{"events":"nope"}}""")]
    [InlineData("""{"specversion":"1.0","id":"c","source":"x","type":"experiments.v1.ForwardRequest","data":{"logId":"l","events":[]}}""")]
    [InlineData("""{"specversion":"1.0","id":"d","source":"x","type":"experiments.v1.ForwardRequest","data_base64":"!!!"}""")]
    public async Task Undecodable_messages_are_dropped(string body)
    {
        await using var host = Host();

        Assert.Equal("DROP", await DeliverAsync(host, body));
    }

    [Fact]
    public async Task A_delivery_whose_checkpoint_cannot_commit_is_answered_retry_and_counted_once_when_redelivered()
    {
        await using var host = Host();
        var traffic = new Traffic(62, "exp-1");
        var events = Forwarding.Log(traffic.Users(30));
        await host.Get<StatisticsShard>().DefinitionsReady.WaitAsync(TimeSpan.FromSeconds(30));

        _sidecar.FailSaves = true;
        var failed = await DeliverAsync(host, CloudEvents.Of("log-a", events[0]));
        _sidecar.FailSaves = false;
        var statuses = await DeliverPerUnitAsync(host, events);

        Assert.Equal("RETRY", failed);
        Assert.All(statuses, s => Assert.Equal("SUCCESS", s));
        var verdict = await host.Client().WaitForVerdictAsync("exp-1", v => v.KpiResults[0].Arms.Sum(a => a.Observations) == traffic.Requests.Sum());
        Assert.Equal(traffic.Exposed, verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.Equal(traffic.Requests, verdict.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
    }

    [Fact]
    public async Task A_checkpoint_key_changed_by_another_writer_is_not_overwritten_and_deliveries_are_retried()
    {
        await using var host = Host();
        var messages = Forwarding.Log(new Traffic(63, "exp-1").Users(10)).Select(e => CloudEvents.Of("log-a", e)).ToList();
        await host.Get<StatisticsShard>().DefinitionsReady.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("SUCCESS", await DeliverAsync(host, messages[0]));

        _sidecar.OverwriteFromElsewhere("statistics-checkpoint-statistics");

        Assert.Equal("RETRY", await DeliverAsync(host, messages[1]));
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
    public async Task Without_Dapr_HttpPort_the_sidecar_port_comes_from_DAPR_HTTP_PORT()
    {
        // DAPR_HTTP_PORT is what daprd sets for the app it starts; configuration carries environment variables as keys.
        await using var host = new StatisticsHost(_data.Path, new Dictionary<string, string>
        {
            ["Statistics:AssignmentAddress"] = _assignment.Address,
            ["DAPR_HTTP_PORT"] = _sidecar.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var http = host.CreateClient();

        using var subscription = await http.GetAsync("/dapr/subscribe");

        Assert.Equal(HttpStatusCode.OK, subscription.StatusCode); // Dapr mode: the programmatic subscription is served
        Assert.Contains("GET /v1.0/state/statestore/statistics-checkpoint-statistics", _sidecar.Requests); // the restore read
        Assert.False(File.Exists(Path.Combine(_data.Path, "statistics.db")));
    }

    [Fact]
    public async Task An_explicit_Dapr_HttpPort_wins_over_DAPR_HTTP_PORT()
    {
        await using var other = await DaprSidecarDouble.StartAsync();
        await using var host = new StatisticsHost(_data.Path, new Dictionary<string, string>
        {
            ["Statistics:AssignmentAddress"] = _assignment.Address,
            ["Dapr:HttpPort"] = _sidecar.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DAPR_HTTP_PORT"] = other.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        await host.Get<StatisticsShard>().DefinitionsReady.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("GET /v1.0/state/statestore/statistics-checkpoint-statistics", _sidecar.Requests);
        Assert.Empty(other.Requests);
    }

    [Fact]
    public async Task A_service_process_with_DAPR_HTTP_PORT_in_its_environment_keeps_its_checkpoints_in_that_sidecar()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory,
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "Experiments.Statistics.dll"), "--urls", "http://127.0.0.1:0",
                "--Data:Folder=" + _data.Path, "--Statistics:AssignmentAddress=" + _assignment.Address,
            },
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["DAPR_HTTP_PORT"] = _sidecar.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment.Remove("Dapr__HttpPort");
        using var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await IntakeTests.WaitUntilAsync(() => process.HasExited || _sidecar.Requests.Count > 0, TimeSpan.FromSeconds(60));

            Assert.False(process.HasExited, string.Join('\n', output));
            Assert.Equal("GET /v1.0/state/statestore/statistics-checkpoint-statistics", _sidecar.Requests[0]);
            Assert.False(File.Exists(Path.Combine(_data.Path, "statistics.db")));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [DaprdFact]
    public async Task With_a_real_daprd_events_published_to_the_topic_reach_the_verdict()
    {
        // Runs where daprd (and its in-memory components) exist; see DaprdFactAttribute.
        var components = Path.Combine(_data.Path, "components");
        Directory.CreateDirectory(components);
        await File.WriteAllTextAsync(Path.Combine(components, "pubsub.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.in-memory
              version: v1
            """);
        await File.WriteAllTextAsync(Path.Combine(components, "statestore.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: statestore
            spec:
              type: state.in-memory
              version: v1
            """);
        var daprPort = AssignmentDouble.FreePort();
        await using var statistics = await Experiments.Tests.Shared.ServiceProcess.StartAsync("Experiments.Statistics",
            "--Data:Folder=" + _data.Path, "--Statistics:AssignmentAddress=" + _assignment.Address, "--Dapr:HttpPort=" + daprPort);
        var appPort = new Uri(statistics.Address).Port;
        using var daprd = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Daprd.Path!)
        {
            ArgumentList = { "--app-id", "statistics", "--app-port", appPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--app-protocol", "h2c",
                "--dapr-http-port", daprPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--resources-path", components },
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        try
        {
            var traffic = new Traffic(64, "exp-1");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{daprPort}/") };
            await IntakeTests.WaitUntilAsync(() => http.GetAsync("v1.0/healthz").Result.IsSuccessStatusCode, TimeSpan.FromSeconds(60));
            foreach (var logged in Forwarding.Log(traffic.Users(50)))
            {
                using var content = new StringContent(CloudEvents.Of("log-a", logged), Encoding.UTF8, "application/cloudevents+json");
                (await http.PostAsync("v1.0/publish/pubsub/experiment-events", content)).EnsureSuccessStatusCode();
            }
            using var channel = GrpcChannel.ForAddress(statistics.Address);
            var verdict = await new StatisticsClient(channel.WithApiKey("dev-local-key")).WaitForVerdictAsync("exp-1",
                v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum(), TimeSpan.FromSeconds(60));
            Assert.Equal(traffic.Exposed, verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        }
        finally
        {
            daprd.Kill(entireProcessTree: true);
        }
    }
}
