using Experiments.Contracts.V1;
using Experiments.Statistics.Tests.Support;
using Experiments.Testing.Assignment;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>GetVerdict, WatchVerdicts and GetVerdictHistory through our gRPC client, against counts the generator kept.</summary>
public sealed class VerdictRpcTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AssignmentDouble _assignment = null!;
    private StatisticsHost _host = null!;

    public async Task InitializeAsync()
    {
        _assignment = await AssignmentDouble.StartAsync();
        _assignment.Upsert(TestExperiments.Latency());
        _host = new StatisticsHost(_data.Path, new Dictionary<string, string>
        {
            ["Statistics:AssignmentAddress"] = _assignment.Address, ["Statistics:PartitionCount"] = "1",
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _assignment.DisposeAsync();
        _data.Dispose();
    }

    private static bool Has(Verdict v, Traffic traffic) => Has(v, traffic.Exposed.Sum());

    private static bool Has(Verdict v, long exposed) => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == exposed;

    [Fact]
    public async Task GetVerdict_reports_per_arm_counts_and_ratio_estimates_equal_to_the_raw_events()
    {
        var traffic = new Traffic(11, "exp-1");
        await Forwarding.SendAllAsync(_host.Intake(), Forwarding.Batches("log-a", 0, 1, Forwarding.Log(traffic.Users(600))));

        var verdict = await _host.Client().WaitForVerdictAsync("exp-1", v => Has(v, traffic));

        Assert.Equal(["control", "treatment"], verdict.SampleRatioCheck.Arms.Select(a => a.VariantKey));
        Assert.Equal(traffic.Exposed, verdict.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.Equal("control", verdict.ControlVariantKey);
        Assert.Equal(1, verdict.ExperimentRevision);
        var mean = verdict.KpiResults.Single(k => k.KpiKey == "mean-latency");
        var errors = verdict.KpiResults.Single(k => k.KpiKey == "error-rate");
        for (var a = 0; a < 2; a++)
        {
            Assert.Equal(traffic.Requests[a], mean.Arms[a].Observations);
            Assert.Equal(traffic.LatencySum[a] / traffic.Requests[a], mean.Arms[a].Estimate, 1e-9 * mean.Arms[a].Estimate);
            Assert.Equal((double)traffic.Errors[a] / traffic.Requests[a], errors.Arms[a].Estimate, 1e-12);
        }
        Assert.Empty(verdict.LatencyHistograms);
        Assert.NotEqual(VerdictDecision.Unspecified, verdict.Decision);
        Assert.NotEmpty(verdict.Reasons);
    }

    [Fact]
    public async Task The_full_view_adds_latency_histograms_whose_counts_are_the_requests()
    {
        var traffic = new Traffic(12, "exp-1");
        await Forwarding.SendAllAsync(_host.Intake(), Forwarding.Batches("log-a", 0, 1, Forwarding.Log(traffic.Users(200))));

        var full = await _host.Client().WaitForVerdictAsync("exp-1", v => Has(v, traffic), view: VerdictView.Full);

        Assert.NotEmpty(full.LatencyHistograms);
        var basic = await _host.Client().GetVerdictAsync(new GetVerdictRequest { ExperimentId = "exp-1", View = VerdictView.Basic });
        Assert.Empty(basic.LatencyHistograms);
    }

    [Fact]
    public async Task GetVerdict_refuses_a_missing_id_and_reports_unknown_experiments_and_times_before_any_verdict_as_not_found()
    {
        var client = _host.Client();

        var missing = await Assert.ThrowsAsync<RpcException>(() => client.GetVerdictAsync(new GetVerdictRequest()).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.GetVerdictAsync(new GetVerdictRequest { ExperimentId = "nope" }).ResponseAsync);
        var traffic = new Traffic(13, "exp-1");
        await Forwarding.SendAllAsync(_host.Intake(), Forwarding.Batches("log-a", 0, 1, Forwarding.Log(traffic.Users(50))));
        await client.WaitForVerdictAsync("exp-1", v => Has(v, traffic));
        var early = await Assert.ThrowsAsync<RpcException>(() => client.GetVerdictAsync(new GetVerdictRequest
        {
            ExperimentId = "exp-1", AsOfTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1)),
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
        Assert.StartsWith("experiment_id", missing.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.NotFound, early.StatusCode);
    }

    [Fact]
    public async Task WatchVerdicts_streams_new_verdicts_as_events_arrive()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = _host.Client().WatchVerdicts(new WatchVerdictsRequest
        {
            ExperimentIds = { "exp-1" }, MinInterval = Duration.FromTimeSpan(TimeSpan.Zero),
        }, cancellationToken: cts.Token);
        var traffic = new Traffic(14, "exp-1");
        var events = Forwarding.Log(traffic.Users(300));
        var half = events.Count / 2;
        var firstTotal = events.Take(half).Count(e => e.Event.Exposure is not null);
        var seen = new List<long>();

        async Task ReadUntilAsync(long total)
        {
            while (seen.Count == 0 || seen[^1] != total)
            {
                Assert.True(await call.ResponseStream.MoveNext(cts.Token));
                Assert.Equal("exp-1", call.ResponseStream.Current.ExperimentId);
                seen.Add(call.ResponseStream.Current.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits));
            }
        }

        await Forwarding.SendAllAsync(_host.Intake(), Forwarding.Batches("log-a", 0, 1, events.Take(half)));
        await ReadUntilAsync(firstTotal);
        await Forwarding.SendAllAsync(_host.Intake(), Forwarding.Batches("log-a", 0, 1, events.Skip(half)));
        await ReadUntilAsync(traffic.Exposed.Sum());

        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.First <= p.Second), string.Join(",", seen));
    }

    [Fact]
    public async Task WatchVerdicts_sends_the_latest_verdict_held_back_by_min_interval_once_the_interval_has_passed()
    {
        var client = _host.Client();
        var traffic = new Traffic(16, "exp-1");
        var events = Forwarding.Log(traffic.Users(300));
        var half = events.Count / 2;
        var firstTotal = events.Take(half).Count(e => e.Event.Exposure is not null);
        await Forwarding.SendAllAsync(_host.Intake(), Forwarding.Batches("log-a", 0, 1, events.Take(half)));
        await client.WaitForVerdictAsync("exp-1", v => Has(v, firstTotal));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var call = client.WatchVerdicts(new WatchVerdictsRequest
        {
            ExperimentIds = { "exp-1" }, MinInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)),
        }, cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));
        Assert.True(Has(call.ResponseStream.Current, firstTotal)); // the current verdict, at once

        // The rest arrives inside the interval that sending the current verdict opened: its verdicts are held back,
        // and the latest of them must still come once the interval has passed, although nothing newer follows.
        await Forwarding.SendAllAsync(_host.Intake(), Forwarding.Batches("log-a", 0, 1, events.Skip(half)));
        var received = new List<Verdict>();
        while (received.Count == 0 || !Has(received[^1], traffic))
        {
            Assert.True(await call.ResponseStream.MoveNext(cts.Token));
            received.Add(call.ResponseStream.Current);
        }

        var latest = received[^1];
        Assert.Equal(traffic.Exposed, latest.SampleRatioCheck.Arms.Select(a => a.ObservedUnits));
        Assert.Equal(traffic.Requests, latest.KpiResults.Single(k => k.KpiKey == "mean-latency").Arms.Select(a => a.Observations));
    }

    [Fact]
    public async Task WatchVerdicts_refuses_a_negative_min_interval()
    {
        using var call = _host.Client().WatchVerdicts(new WatchVerdictsRequest { MinInterval = new Duration { Seconds = -1 } });

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("min_interval", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetVerdictHistory_pages_through_past_verdicts_oldest_first()
    {
        var client = _host.Client();
        var traffic = new Traffic(15, "exp-1");
        var events = Forwarding.Log(traffic.Users(300));
        foreach (var chunk in events.Chunk(events.Count / 3 + 1))
        {
            await Forwarding.SendAllAsync(_host.Intake(), Forwarding.Batches("log-a", 0, 1, chunk));
            var exposed = events.TakeWhile(e => e.Position <= chunk[^1].Position).Count(e => e.Event.Exposure is not null);
            await client.WaitForVerdictAsync("exp-1", v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == exposed);
        }

        var all = await client.GetVerdictHistoryAsync(new GetVerdictHistoryRequest { ExperimentId = "exp-1", KpiKey = "mean-latency", PageSize = 10_000 });
        var paged = new List<VerdictHistoryPoint>();
        var token = "";
        do
        {
            var page = await client.GetVerdictHistoryAsync(new GetVerdictHistoryRequest { ExperimentId = "exp-1", KpiKey = "mean-latency", PageSize = 2, PageToken = token });
            Assert.True(page.Points.Count <= 2);
            paged.AddRange(page.Points);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        var badToken = await Assert.ThrowsAsync<RpcException>(() => client.GetVerdictHistoryAsync(new GetVerdictHistoryRequest { ExperimentId = "exp-1", PageToken = "x" }).ResponseAsync);

        Assert.True(all.Points.Count >= 3);
        Assert.All(all.Points, p => Assert.Equal("mean-latency", p.KpiKey));
        Assert.Equal(all.Points, paged);
        var times = all.Points.Select(p => p.ComputeTime.ToDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
        // The observations of the last point are all requests sent.
        Assert.Equal(traffic.Requests, all.Points[^1].Arms.Select(a => a.Observations));
        Assert.Equal(StatusCode.InvalidArgument, badToken.StatusCode);
    }
}
