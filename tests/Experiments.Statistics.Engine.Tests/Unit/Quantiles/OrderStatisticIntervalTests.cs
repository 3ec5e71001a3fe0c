using Experiments.Statistics.Engine.Quantiles;
using Experiments.Statistics.Engine.Tests.Support;
using Experiments.Statistics.Engine.Tests.Unit.Histograms;

namespace Experiments.Statistics.Engine.Tests.Unit.Quantiles;

public sealed class OrderStatisticIntervalTests
{
    private static readonly (int N, double Q, double Alpha)[] Cases =
    [
        (10, 0.5, 0.05), (25, 0.9, 0.05), (100, 0.99, 0.05), (301, 0.5, 0.01), (1_000, 0.95, 0.05),
        (5_000, 0.99, 0.1), (20_000, 0.999, 0.05), (250_000, 0.5, 0.05), (3_000_000, 0.99, 0.001),
    ];

    [Fact]
    public void Ranks_match_scipy_binom_ppf_and_their_coverage()
    {
        var reference = PythonReference.Run("""
            from scipy.stats import binom
            out = []
            for n, q, a in data:
                lo = int(binom.ppf(a / 2, n, q)); hi = int(binom.ppf(1 - a / 2, n, q)) + 1
                out.append(dict(lo=lo, hi=hi, coverage=binom.cdf(hi - 1, n, q) - binom.cdf(lo - 1, n, q)))
            emit(out)
            """,
            Cases.Select(c => new object[] { c.N, c.Q, c.Alpha })).AsArray();

        for (var i = 0; i < Cases.Length; i++)
        {
            var (n, q, alpha) = Cases[i];
            var ranks = OrderStatisticInterval.Ranks(n, q, alpha);
            Assert.Equal(reference[i]!["lo"]!.GetValue<long>(), ranks.Lower);
            Assert.Equal(reference[i]!["hi"]!.GetValue<long>(), ranks.Upper);
            PythonReference.AssertClose(PythonReference.Number(reference[i]!["coverage"]), ranks.Coverage, 1e-6, $"case {i} coverage");
            Assert.True(ranks.Coverage >= 1 - alpha);
        }
    }

    [Fact]
    public void Interval_on_a_raw_sample_is_the_pair_of_order_statistics()
    {
        var values = LatencySamples.LogNormal(new Random(4), 501, 3, 1);
        var reference = PythonReference.Run("""
            from scipy.stats import binom
            x = np.sort(np.array(data["x"])); n = len(x)
            lo = int(binom.ppf(0.025, n, 0.9)); hi = int(binom.ppf(0.975, n, 0.9)) + 1
            emit(dict(lo=x[lo - 1], hi=x[hi - 1]))
            """,
            new { x = values });
        Array.Sort(values);

        var ci = OrderStatisticInterval.ForSortedSample(values, 0.9);

        Assert.Equal(PythonReference.Number(reference["lo"]), ci.Lower);
        Assert.Equal(PythonReference.Number(reference["hi"]), ci.Upper);
    }

    [Fact]
    public void Interval_is_unbounded_where_the_sample_is_too_small()
    {
        // With 10 values no order statistic bounds the 0.99-quantile from above at 95%: P(B ≤ 9) = 0.096 < 0.975.
        var values = Enumerable.Range(1, 10).Select(i => (double)i).ToArray();
        var ci = OrderStatisticInterval.ForSortedSample(values, 0.99);
        Assert.Equal(double.PositiveInfinity, ci.Upper);
        Assert.True(double.IsFinite(ci.Lower));
    }

    [Fact]
    public void Histogram_interval_is_within_one_percent_of_the_raw_interval()
    {
        var values = LatencySamples.LogNormal(new Random(8), 100_000, 3, 1);
        var histogram = LatencySamples.ToHistogram(values);
        Array.Sort(values);
        foreach (var q in new[] { 0.5, 0.95, 0.99, 0.999 })
        {
            var raw = OrderStatisticInterval.ForSortedSample(values, q);
            var binned = OrderStatisticInterval.ForHistogram(histogram, q);
            PythonReference.AssertClose(raw.Lower, binned.Lower, 0.01, $"p{q} lower");
            PythonReference.AssertClose(raw.Upper, binned.Upper, 0.01, $"p{q} upper");
        }
    }
}
