using Experiments.Statistics.Engine.Histograms;
using Experiments.Statistics.Engine.Quantiles;
using Experiments.Statistics.Engine.Tests.Unit.Histograms;

namespace Experiments.Statistics.Engine.Tests.Unit.Quantiles;

public sealed class TailContributorsTests
{
    [Fact]
    public void Clients_with_slow_requests_top_the_report_with_their_share_of_the_tail()
    {
        var random = new Random(8);
        var raw = new Dictionary<string, double[]>();
        for (var c = 0; c < 200; c++)
        {
            raw[$"client-{c:000}"] = LatencySamples.LogNormal(random, 100, 3, 0.4);
        }
        // Three clients whose requests are often 20× slower (say, a batch endpoint).
        foreach (var (name, slowShare) in new[] { ("batch-a", 0.6), ("batch-b", 0.4), ("batch-c", 0.2) })
        {
            raw[name] = Enumerable.Range(0, 100).Select(i => Math.Exp(3 + 0.4 * LatencySamples.StandardNormal(random)) * (i < slowShare * 100 ? 20 : 1)).ToArray();
        }
        var units = raw.ToDictionary(kv => kv.Key, kv => LatencySamples.ToHistogram(kv.Value));
        var arm = new LogHistogram();
        foreach (var unit in units.Values)
        {
            arm.Merge(unit);
        }

        var report = TailContributors.Rank(arm, units, top: 5);

        Assert.Equal(["batch-a", "batch-b", "batch-c"], report.Top.Take(3).Select(t => t.Key));
        // Counted directly on the raw latencies at the reported tail start.
        var armTail = raw.Values.Sum(values => values.Count(v => v >= report.TailStart));
        Assert.Equal(armTail, report.TailRequests);
        foreach (var contributor in report.Top)
        {
            var tail = raw[contributor.Key].Count(v => v >= report.TailStart);
            Assert.Equal(tail, contributor.TailRequests);
            Assert.Equal((double)tail / armTail, contributor.Share, 12);
            Assert.Equal(100, contributor.Requests);
        }
        Assert.True(report.TailStart > report.Quantile);
        // 1.5% of the clients, over half of the tail.
        var batchShare = report.Top.Take(3).Sum(t => t.Share);
        Assert.True(batchShare > 0.5, $"the three batch clients hold most of the p99 tail ({batchShare:P0})");
        Assert.Equal(report.Top.Sum(t => t.Share), report.TopShare, 12);
        Assert.True(report.Top[0].TailRate > 0.3);
        Assert.Equal(raw.Values.Count(values => values.Any(v => v >= report.TailStart)), report.UnitsInTail);
    }

    [Fact]
    public void Report_keeps_every_unit_when_fewer_than_top_have_a_tail()
    {
        var units = new Dictionary<int, LogHistogram>
        {
            [1] = LatencySamples.ToHistogram(Enumerable.Repeat(10.0, 99)),
            [2] = LatencySamples.ToHistogram([10.0, 500.0]),
        };
        var arm = new LogHistogram();
        arm.Merge(units[1]);
        arm.Merge(units[2]);

        var report = TailContributors.Rank(arm, units, top: 10, probability: 0.98);

        var only = Assert.Single(report.Top);
        Assert.Equal(2, only.Key);
        Assert.Equal(1, only.TailRequests);
        Assert.Equal(1.0, only.Share);
    }
}
