using Experiments.Contracts.V1;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Tests.Support;
using Experiments.Testing.Assignment;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>
/// Statistics checks what it is forwarded, whoever forwards it: an event ingestion would have refused is refused
/// here too, with INVALID_ARGUMENT naming the field, and nothing of its batch is applied, now or after a restart.
/// </summary>
public sealed class ForwardedEventValidationTests : IAsyncLifetime
{
    private const int Users = 40;
    private readonly TempDirectory _data = new();
    private AssignmentDouble _assignment = null!;

    public async Task InitializeAsync()
    {
        _assignment = await AssignmentDouble.StartAsync();
        _assignment.Upsert(TestExperiments.Latency());
    }

    public async Task DisposeAsync()
    {
        await _assignment.DisposeAsync();
        _data.Dispose();
    }

    public static TheoryData<string, string> BadEvents => new()
    {
        { "nan-latency", "request.latency_ms" },
        { "infinite-latency", "request.latency_ms" },
        { "negative-latency", "request.latency_ms" },
        { "latency-1e308", "request.latency_ms" },
        { "latency-above-one-hour", "request.latency_ms" },
        { "no-time", "event_time" },
        { "time-int64-min", "event_time" },
        { "nanos-out-of-range", "event_time" },
        { "no-kind", "kind" },
        { "no-event-id", "event_id" },
        { "no-unit", "user_id" },
        { "infinite-custom-value", "custom_metric.value" },
    };

    [Theory]
    [MemberData(nameof(BadEvents))]
    public async Task A_bad_event_is_refused_naming_its_field_and_nothing_of_its_batch_is_applied(string kind, string field)
    {
        await using var host = Host();
        var traffic = new Traffic(7, "exp-1");
        var log = Forwarding.Log(traffic.Users(Users));
        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 1, log));
        var before = await host.Client().WaitForVerdictAsync("exp-1", v => Observed(v) == traffic.Exposed.Sum());
        var shard = host.Get<StatisticsShard>();
        var position = log[^1].Position;

        // A valid newcomer first: the refusal must take it along, since the batch is refused whole.
        var batch = new ForwardRequest { LogId = "log-a", Partition = 0, PartitionCount = 1 };
        batch.Events.Add(Logged(position + 1, Exposure("late-user")));
        batch.Events.Add(Logged(position + 2, Bad(kind)));
        var error = await Assert.ThrowsAsync<RpcException>(() => Forwarding.SendAllAsync(host.Intake(), [batch]));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["events[1].event." + field], error.ViolatedFields());
        Assert.Contains(field, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(position, shard.Applied("log-a", 0));
        // The service keeps serving, and what it holds is what it held before the refusal.
        var after = await host.Client().GetVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-1" });
        Assert.Equal(Observed(before), Observed(after));
        Assert.Equal(Requests(before), Requests(after));
    }

    [Fact]
    public async Task A_refused_nan_latency_leaves_no_trace_across_a_restart()
    {
        var traffic = new Traffic(8, "exp-1");
        var log = Forwarding.Log(traffic.Users(Users));
        var batch = new ForwardRequest { LogId = "log-a", Partition = 0, PartitionCount = 1 };
        batch.Events.Add(Logged(log[^1].Position + 1, Request("user-0", double.NaN)));
        await using (var first = Host())
        {
            await Forwarding.SendAllAsync(first.Intake(), Forwarding.Batches("log-a", 0, 1, log));
            var error = await Assert.ThrowsAsync<RpcException>(() => Forwarding.SendAllAsync(first.Intake(), [batch]));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            await first.Client().WaitForVerdictAsync("exp-1", v => Observed(v) == traffic.Exposed.Sum());
        }

        await using var second = Host();
        var verdict = await second.Client().WaitForVerdictAsync("exp-1", v => Observed(v) == traffic.Exposed.Sum());

        var mean = verdict.KpiResults.Single(k => k.KpiKey == "mean-latency");
        Assert.Equal(traffic.Requests, mean.Arms.Select(a => a.Observations));
        for (var a = 0; a < 2; a++)
        {
            Assert.True(double.IsFinite(mean.Arms[a].Estimate), "arm " + a + " latency estimate is " + mean.Arms[a].Estimate);
            Assert.Equal(traffic.LatencySum[a] / traffic.Requests[a], mean.Arms[a].Estimate, 1e-9 * mean.Arms[a].Estimate);
        }
        // The refused batch can be sent again, corrected, at the same position: it was never applied.
        Assert.Equal(log[^1].Position, second.Get<StatisticsShard>().Applied("log-a", 0));
    }

    [Fact]
    public async Task Latencies_up_to_the_configured_maximum_are_applied()
    {
        await using var host = Host(new() { ["Statistics:MaxLatencyMs"] = "120000" });
        var log = Forwarding.Log(new Traffic(9, "exp-1").Users(Users));
        await Forwarding.SendAllAsync(host.Intake(), Forwarding.Batches("log-a", 0, 1, log));
        var atLimit = new ForwardRequest { LogId = "log-a", Partition = 0, PartitionCount = 1 };
        atLimit.Events.Add(Logged(log[^1].Position + 1, Request("user-0", 120_000)));
        var aboveLimit = new ForwardRequest { LogId = "log-a", Partition = 0, PartitionCount = 1 };
        aboveLimit.Events.Add(Logged(log[^1].Position + 2, Request("user-1", 120_000.5)));

        await Forwarding.SendAllAsync(host.Intake(), [atLimit]);
        var error = await Assert.ThrowsAsync<RpcException>(() => Forwarding.SendAllAsync(host.Intake(), [aboveLimit]));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["events[0].event.request.latency_ms"], error.ViolatedFields());
        Assert.Equal(log[^1].Position + 1, host.Get<StatisticsShard>().Applied("log-a", 0));
    }

    private StatisticsHost Host(Dictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string> { ["Statistics:AssignmentAddress"] = _assignment.Address, ["Statistics:PartitionCount"] = "1" };
        foreach (var (k, v) in settings ?? [])
        {
            all[k] = v;
        }
        return new StatisticsHost(_data.Path, all);
    }

    private static long Observed(Verdict v) => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits);

    private static long Requests(Verdict v) => v.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Sum(a => a.Observations);

    private static LoggedEvent Logged(long position, Event e) => new() { Position = position, Event = e, IngestTime = e.EventTime };

    private static Timestamp At(int seconds) => Timestamp.FromDateTimeOffset(Traffic.Start.AddSeconds(seconds));

    private static Event Exposure(string user) => new()
    {
        EventId = "exposure-" + user, EventTime = At(5), UserId = user,
        Exposure = new ExposureEvent { FlagKey = "flag-exp-1", ExperimentId = "exp-1", VariantKey = "treatment", ExperimentRevision = 1 },
    };

    private static Event Request(string user, double latency) => new()
    {
        EventId = "request-" + user + "-" + latency, EventTime = At(10), UserId = user,
        Request = new RequestEvent { ApiName = TestExperiments.Api, LatencyMs = latency },
    };

    private static Event Bad(string kind)
    {
        var e = Request("user-1", 50);
        switch (kind)
        {
            case "nan-latency": e.Request.LatencyMs = double.NaN; break;
            case "infinite-latency": e.Request.LatencyMs = double.PositiveInfinity; break;
            case "negative-latency": e.Request.LatencyMs = -1; break;
            case "latency-1e308": e.Request.LatencyMs = 1e308; break;
            case "latency-above-one-hour": e.Request.LatencyMs = 3_600_001; break;
            case "no-time": e.EventTime = null; break;
            case "time-int64-min": e.EventTime = new Timestamp { Seconds = long.MinValue }; break;
            case "nanos-out-of-range": e.EventTime = new Timestamp { Seconds = 1_767_571_200, Nanos = 1_000_000_000 }; break;
            case "no-kind": e.ClearKind(); break;
            case "no-event-id": e.EventId = ""; break;
            case "no-unit": e.UserId = ""; break;
            case "infinite-custom-value": e.CustomMetric = new CustomMetricEvent { MetricName = "basket", Value = double.NegativeInfinity }; break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        return e;
    }
}
