using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Statistics.Tests.Support;
using Experiments.Testing.Assignment;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Experiments.Statistics.Tests.Integration;

/// <summary>
/// Every verdict can be read as protobuf, JSON and TimeSpans, however absurd its figures; and a request Duration that
/// cannot be one is INVALID_ARGUMENT naming the field, never UNKNOWN.
/// </summary>
public sealed class VerdictRepresentationTests : IAsyncLifetime
{
    // google/protobuf/duration.proto: "Range is approximately +-10,000 years", seconds within ±315,576,000,000.
    private const long DurationMaxSeconds = 315_576_000_000;

    private readonly TempDirectory _data = new();
    private AssignmentDouble _assignment = null!;
    private StatisticsHost _host = null!;

    public async Task InitializeAsync()
    {
        _assignment = await AssignmentDouble.StartAsync();
        _host = new StatisticsHost(_data.Path, new Dictionary<string, string>
        {
            ["Statistics:AssignmentAddress"] = _assignment.Address, ["Statistics:PartitionCount"] = "1",
            ["Statistics:ShardAddresses:0"] = "http://127.0.0.1:1",
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _assignment.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task A_time_remaining_beyond_the_Duration_range_is_clamped_and_the_verdict_stays_readable()
    {
        // An MDE of one part in a million needs ~1e12 units per arm; 40 users a second apart enrol 0.5 per arm per
        // second, so the estimate is ~1e13 s, well past what a Duration holds.
        var experiment = TestExperiments.Latency();
        experiment.MinimumDetectableEffect = 1e-6;
        _assignment.Upsert(experiment);
        var traffic = new Traffic(21, "exp-1");
        await Forwarding.SendAllAsync(_host.Intake(), Forwarding.Batches("log-a", 0, 1, Forwarding.Log(traffic.Users(40))));

        var verdict = await _host.Client().WaitForVerdictAsync("exp-1",
            v => v.SampleRatioCheck.Arms.Sum(a => a.ObservedUnits) == traffic.Exposed.Sum(), view: VerdictView.Full);

        var remaining = verdict.KpiResults.Single(k => k.KpiKey == "mean-latency").Power.EstimatedTimeRemaining;
        Assert.NotNull(remaining);
        Assert.Equal(DurationMaxSeconds, remaining.Seconds);
        foreach (var duration in Durations(verdict))
        {
            Assert.InRange(duration.Seconds, -DurationMaxSeconds, DurationMaxSeconds);
            _ = duration.ToTimeSpan();
        }
        var json = JsonFormatter.Default.Format(verdict);
        Assert.Contains("\"estimatedTimeRemaining\": \"315576000000s\"", json, StringComparison.Ordinal);
    }

    public static TheoryData<long, int> BadIntervals => new()
    {
        { 10, -5 },
        { -10, 5 },
        { 1_000_000_000_000, 0 },
        { 0, 1_000_000_000 },
        { 3_601, 0 },
        { -1, 0 },
    };

    [Theory]
    [MemberData(nameof(BadIntervals))]
    public async Task WatchVerdicts_refuses_a_min_interval_that_is_not_a_usable_Duration(long seconds, int nanos)
    {
        var request = new WatchVerdictsRequest { MinInterval = new Duration { Seconds = seconds, Nanos = nanos } };
        request.ExperimentIds.Add("exp-1");
        using var call = _host.Client().WatchVerdicts(request);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["min_interval"], error.ViolatedFields());
    }

    [Theory]
    [MemberData(nameof(BadIntervals))]
    public async Task WatchMergedVerdicts_refuses_a_min_interval_that_is_not_a_usable_Duration(long seconds, int nanos)
    {
        var request = new WatchVerdictsRequest { MinInterval = new Duration { Seconds = seconds, Nanos = nanos } };
        request.ExperimentIds.Add("exp-1");
        using var call = new StatisticsShards.StatisticsShardsClient(_host.Channel.WithApiKey(StatisticsHost.ReadKey)).WatchMergedVerdicts(request);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(["min_interval"], error.ViolatedFields());
    }

    private static IEnumerable<Duration> Durations(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(message);
            var items = field.IsRepeated ? ((System.Collections.IEnumerable)value).Cast<object>() : [value];
            foreach (var item in items)
            {
                if (item is Duration duration)
                {
                    yield return duration;
                }
                else if (item is IMessage child)
                {
                    foreach (var nested in Durations(child))
                    {
                        yield return nested;
                    }
                }
            }
        }
    }
}
