using Experiments.Statistics.Engine.Quantiles;
using Experiments.Statistics.Engine.Tests.Support;
using Experiments.Statistics.Engine.Tests.Unit.Histograms;
using Xunit.Abstractions;

namespace Experiments.Statistics.Engine.Tests.Unit.Quantiles;

public sealed class HodgesLehmannTests(ITestOutputHelper output)
{
    private static List<(double[] Control, double[] Treatment)> DataSets()
    {
        var random = new Random(99);
        return
        [
            ([1.0], [4.0]),
            ([1.0, 2.0], [2.0, 5.0, 7.0]),
            (LatencySamples.LogNormal(random, 301, 2, 0.7), LatencySamples.LogNormal(random, 250, 2.1, 0.7)),  // odd n₁n₂
            (LatencySamples.LogNormal(random, 1_200, 3, 1), LatencySamples.LogNormal(random, 1_500, 3, 1.2)),  // even n₁n₂
            (LatencySamples.Rounded(LatencySamples.LogNormal(random, 2_000, 1, 0.5), 1), LatencySamples.Rounded(LatencySamples.LogNormal(random, 1_800, 1.1, 0.5), 1)), // ties
            (LatencySamples.Bimodal(random, 1_000), LatencySamples.Bimodal(random, 1_000)),
        ];
    }

    [Fact]
    public void Shift_and_interval_match_numpy_on_all_pairwise_differences()
    {
        var sets = DataSets();
        // numpy forms every difference; the Moses interval takes the differences of ranks C and n₁n₂+1-C, with
        // C = ⌊n₁n₂/2 - z·σ_U⌋ and σ_U tie-corrected (scipy's norm.ppf for z).
        var reference = PythonReference.Run("""
            from scipy import stats
            out = []
            for s in data["sets"]:
                c = np.array(s["c"]); t = np.array(s["t"])
                d = np.sort(np.subtract.outer(t, c).ravel())
                n1, n2 = len(c), len(t); n = n1 + n2
                _, ties = np.unique(np.concatenate([c, t]), return_counts=True)
                sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - float((ties.astype(float) ** 3 - ties).sum()) / (n * (n - 1)))) if n > 1 else 0.0
                C = math.floor(n1 * n2 / 2 - stats.norm.ppf(0.975) * sigma)
                lo, hi = (d[C - 1], d[n1 * n2 - C]) if C >= 1 else (-math.inf, math.inf)
                out.append(dict(hl=np.median(np.subtract.outer(t, c)), lo=lo, hi=hi))
            emit(out)
            """,
            new { sets = sets.Select(s => new { c = s.Control, t = s.Treatment }) }).AsArray();

        for (var i = 0; i < sets.Count; i++)
        {
            var estimate = HodgesLehmann.Estimate(sets[i].Control, sets[i].Treatment);
            Assert.Equal(PythonReference.Number(reference[i]!["hl"]), estimate.Shift);
            Assert.Equal(PythonReference.Number(reference[i]!["lo"]), estimate.Ci.Lower);
            Assert.Equal(PythonReference.Number(reference[i]!["hi"]), estimate.Ci.Upper);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.005)]
    [InlineData(0.03)]
    public void Binned_shift_follows_the_raw_shift_even_below_the_bucket_width(double relativeShift)
    {
        // A 0.5% shift is a quarter of a bucket: bucket representatives alone would report exactly 0.
        var random = new Random(17);
        var control = LatencySamples.LogNormal(random, 20_000, Math.Log(50), 0.6);
        var treatment = LatencySamples.LogNormal(random, 20_000, Math.Log(50 * (1 + relativeShift)), 0.6);

        var raw = HodgesLehmann.Estimate(control, treatment);
        var binned = HodgesLehmann.Estimate(LatencySamples.ToHistogram(control), LatencySamples.ToHistogram(treatment));

        output.WriteLine($"shift {relativeShift:P1}: raw {raw.Shift:G6} [{raw.Ci.Lower:G6}, {raw.Ci.Upper:G6}], binned {binned.Shift:G6} [{binned.Ci.Lower:G6}, {binned.Ci.Upper:G6}]");
        // Tolerance 0.02 ms = 0.04% of the median, a fiftieth of the bucket width; the raw CI is ±0.55 ms here.
        Assert.True(Math.Abs(binned.Shift - raw.Shift) <= 0.02, $"binned {binned.Shift:G5} vs raw {raw.Shift:G5}");
        Assert.True(Math.Abs(binned.Ci.Lower - raw.Ci.Lower) <= 0.02, $"lower {binned.Ci.Lower:G5} vs {raw.Ci.Lower:G5}");
        Assert.True(Math.Abs(binned.Ci.Upper - raw.Ci.Upper) <= 0.02, $"upper {binned.Ci.Upper:G5} vs {raw.Ci.Upper:G5}");
    }

    [Fact]
    public void Interval_covers_a_planted_shift_at_the_nominal_rate()
    {
        // 2,000 replications of a pure location shift (the Moses interval's model): coverage within ±2% of 95%.
        var random = new Random(23);
        const int replications = 2_000;
        var covered = 0;
        for (var r = 0; r < replications; r++)
        {
            var control = LatencySamples.LogNormal(random, 60, 3, 0.8);
            var treatment = LatencySamples.LogNormal(random, 40, 3, 0.8).Select(v => v + 4).ToArray();
            if (HodgesLehmann.Estimate(control, treatment).Ci.Contains(4))
            {
                covered++;
            }
        }
        var coverage = (double)covered / replications;
        output.WriteLine($"coverage {coverage:P1}");
        Assert.InRange(coverage, 0.93, 0.97);
    }
}
