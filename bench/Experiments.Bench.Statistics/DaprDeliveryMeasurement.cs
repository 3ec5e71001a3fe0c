using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Dapr.Client;
using Experiments.Contracts.V1;
using Experiments.Testing.Assignment;
using Experiments.Tests.Shared;
using Experiments.Testing.Dapr;
using Google.Protobuf;

namespace Experiments.Bench.Statistics;

/// <summary>
/// Dapr mode's delivery throughput, one by one against bulk, same run, same machine: statistics as a process beside
/// the sidecar double (Dapr's own gRPC API to the real SDK, daprd's HTTP app callbacks), the messages published first
/// through DaprClient's bulk publish (one event per message, as ingestion's forwarder publishes), then the app attached
/// and timed until every message is acknowledged. Both modes get the same request concurrency and the default
/// checkpoint interval (500 ms): one by one, each callback waits for the checkpoint holding its message.
/// </summary>
internal static class DaprDeliveryMeasurement
{
    private const int Concurrency = 16;

    public static async Task<int> RunAsync(string[] args)
    {
        var users = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
        var events = new Workload(5).Users(0, users).Select((e, i) => new LoggedEvent { Position = i + 1, Event = e, IngestTime = e.EventTime }).ToList();
        // Its own event ids (Workload numbers them from 0 per instance): an id seen in the warm-up would be deduplicated away.
        var warmup = new Workload(6).Users(1_000_000, 100).Select((e, i) => new LoggedEvent { Position = i + 1, Event = e, IngestTime = e.EventTime }).ToList();
        warmup.ForEach(logged => logged.Event.EventId = "warmup-" + logged.Event.EventId);
        Console.WriteLine($"dapr delivery: {events.Count} events of {users} users, {Concurrency} requests at a time, {Environment.ProcessorCount} cores; load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
        await using var assignment = await AssignmentDouble.StartAsync(0, Workload.Definition());
        foreach (var bulk in new[] { false, true, false, true })
        {
            var folder = Path.Combine(Path.GetTempPath(), "statistics-dapr-bench-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                await using var sidecar = await DaprSidecarDouble.StartAsync();
                sidecar.Broker.Concurrency = Concurrency;
                sidecar.Broker.MaxAttempts = 100_000;
                await using var statistics = await ServiceProcess.StartAsync("Experiments.Statistics",
                    "--Data:Folder=" + folder, "--Statistics:AssignmentAddress=" + assignment.Address, "--Logging:LogLevel:Default=Warning",
                    "--Dapr:HttpPort=" + sidecar.HttpPort, "--Dapr:GrpcPort=" + sidecar.GrpcPort, "--Dapr:BulkSubscribe=" + (bulk ? "true" : "false"));
                using var h2c = new HttpClient { BaseAddress = new Uri(statistics.Address), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
                await WaitForSubscriptionsAsync(h2c);

                // Warm-up (JIT, connections, the first checkpoints), then detached: the measured messages wait in the broker.
                await PublishAsync(sidecar, "warmup", warmup);
                await sidecar.Broker.AttachAsync("statistics", h2c);
                await IdleAsync(sidecar.Broker, "warm-up");
                sidecar.Broker.Detach("statistics");
                var requestsBefore = sidecar.Broker.Requests.Count;
                var answersBefore = sidecar.Broker.Answers.Count;
                await PublishAsync(sidecar, "log-a", events);

                var started = Stopwatch.GetTimestamp();
                await sidecar.Broker.AttachAsync("statistics", h2c);
                await IdleAsync(sidecar.Broker, bulk ? "bulk" : "one-by-one");
                var elapsed = Stopwatch.GetElapsedTime(started);
                var answers = sidecar.Broker.Answers.Skip(answersBefore).ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(bulk ? "bulk      " : "one-by-one")}: {events.Count / elapsed.TotalSeconds,9:F0} events/s ({elapsed.TotalSeconds:F2} s; {sidecar.Broker.Requests.Count - requestsBefore} requests; {answers.Count(a => a.Status == "SUCCESS")} SUCCESS, {answers.Count(a => a.Status == "RETRY")} RETRY)"));
            }
            finally
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        }
        return 0;
    }

    // Bounded (10 minutes), saying every 10 s how far it got.
    private static async Task IdleAsync(DaprBroker broker, string phase)
    {
        for (var waited = 0; ; waited += 10)
        {
            try
            {
                await broker.WhenIdleAsync(TimeSpan.FromSeconds(10));
                return;
            }
            catch (TimeoutException) when (waited < 600)
            {
                var answers = broker.Answers;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {phase}: after {waited + 10} s, {answers.Count(a => a.Status == "SUCCESS")} SUCCESS, {answers.Count(a => a.Status == "RETRY")} RETRY, {answers.Count(a => a.Status is not ("SUCCESS" or "RETRY"))} other"));
            }
        }
    }

    private static async Task WaitForSubscriptionsAsync(HttpClient app)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await app.GetAsync("dapr/subscribe");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (attempt < 600)
            {
            }
            await Task.Delay(100);
        }
    }

    private static async Task PublishAsync(DaprSidecarDouble sidecar, string logId, List<LoggedEvent> events)
    {
        using var client = new DaprClientBuilder()
            .UseHttpEndpoint("http://127.0.0.1:" + sidecar.HttpPort.ToString(CultureInfo.InvariantCulture))
            .UseGrpcEndpoint("http://127.0.0.1:" + sidecar.GrpcPort.ToString(CultureInfo.InvariantCulture))
            .Build();
        foreach (var chunk in events.Chunk(1000))
        {
            var entries = chunk.Select(logged =>
            {
                var data = new ForwardRequest { LogId = logId, Partition = 0, PartitionCount = 1 };
                data.Events.Add(logged);
                using var document = JsonDocument.Parse(JsonFormatter.Default.Format(data));
                return document.RootElement.Clone();
            }).ToList();
            var response = await client.BulkPublishEventAsync("pubsub", "experiment-events", entries);
            if (response.FailedEntries.Count > 0)
            {
                throw new InvalidOperationException("the sidecar double refused a bulk publish");
            }
        }
    }
}
