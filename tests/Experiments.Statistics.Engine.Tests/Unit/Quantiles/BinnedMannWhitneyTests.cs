using Experiments.Statistics.Engine.Histograms;
using Experiments.Statistics.Engine.Quantiles;
using Experiments.Statistics.Engine.Tests.Support;
using Experiments.Statistics.Engine.Tests.Unit.Histograms;
using Xunit.Abstractions;

namespace Experiments.Statistics.Engine.Tests.Unit.Quantiles;

/// <summary>
/// Binned Mann–Whitney (each bucket one tie group) against the exact raw test.
/// </summary>
/// <remarks>
/// Bound, proven: binning is the raw test on values rounded to their bucket. Pairs in different buckets keep
/// their order, so |U_binned - U_raw| ≤ ½·#(untied pairs sharing a bucket) ≤ ½·N_γ, where N_γ counts the pairs
/// within a factor γ = 1.02 of each other — the ≈1% relative accuracy of DESIGN §5, counted on the raw data by
/// numpy. With z = (|U - n₁n₂/2| - c)/σ:
///     |z_b - z_r| ≤ ½N_γ/σ_b + |z_r|·|σ_r/σ_b - 1|,   and |p_b - p_r| ≤ 2φ(0)·|z_b - z_r| ≈ 0.8·|z_b - z_r|.
/// That bound grows like √n because it assumes every close pair flips the wrong way.
/// Bound, stated for practice: for smooth densities binning keeps E[U] to first order (a shift moves mass
/// across bucket boundaries in proportion to the density), so what remains is the unknown order of pairs inside
/// a bucket, a noise of σ ≈ √(Σ_b c₁c₂(c₁+c₂+1)/12)/σ_U ≈ 0.01 for these sizes; we assert |z_b - z_r| ≤ 0.1,
/// i.e. |p_b - p_r| ≤ 0.08, and for the tie-heavy rounded data (where rounding already made the close pairs
/// ties) a tenth of that.
/// </remarks>
public sealed class BinnedMannWhitneyTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases =>
    [
        "lognormal, 1% shift (below the bucket width)",
        "lognormal, 5% shift",
        "bimodal A/A",
        "latencies rounded to 0.1 ms, 2% shift",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Binned_test_agrees_with_the_exact_raw_test_within_the_stated_bound(string scenario)
    {
        var (x, y) = Data(scenario);
        var reference = PythonReference.Run("""
            from scipy import stats
            x = np.array(data["x"]); y = np.sort(np.array(data["y"]))
            g = data["gamma"] * (1 + 1e-12)
            close = int((np.searchsorted(y, x * g, "left") - np.searchsorted(y, x / g, "right")).clip(min=0).sum())
            out = {}
            for c in (True, False):
                r = stats.mannwhitneyu(x, y, use_continuity=c, alternative="two-sided", method="asymptotic")
                n1, n2 = len(x), len(y); n = n1 + n2
                _, t = np.unique(np.concatenate([x, y]), return_counts=True)
                s = math.sqrt(n1 * n2 / 12 * ((n + 1) - float((t.astype(float) ** 3 - t).sum()) / (n * (n - 1))))
                z = (abs(r.statistic - n1 * n2 / 2) - (0.5 if c else 0)) / s
                out[str(c)] = dict(u=r.statistic, p=r.pvalue, z=z, sigma=s)
            out["close"] = close
            emit(out)
            """,
            new { x, y, gamma = LogBucketMapping.Gamma });
        var close = reference["close"]!.GetValue<long>();
        var hx = LatencySamples.ToHistogram(x);
        var hy = LatencySamples.ToHistogram(y);

        foreach (var continuity in new[] { true, false })
        {
            var raw = reference[continuity.ToString()]!;
            var zRaw = PythonReference.Number(raw["z"]);
            var sigmaRaw = PythonReference.Number(raw["sigma"]);
            var binned = MannWhitneyU.Test(hx, hy, continuity);
            var zDifference = Math.Abs(Math.Abs(binned.Z) - zRaw);

            Assert.True(Math.Abs(binned.U - PythonReference.Number(raw["u"])) <= 0.5 * close,
                $"{scenario}: |ΔU| = {Math.Abs(binned.U - PythonReference.Number(raw["u"]))} > ½·N_γ = {0.5 * close}");
            output.WriteLine($"{scenario}, continuity {continuity}: z raw {zRaw:G6}, binned {Math.Abs(binned.Z):G6}, |Δz| {zDifference:G3}; p raw {PythonReference.Number(raw["p"]):G6}, binned {binned.PValue:G6}; ΔU {binned.U - PythonReference.Number(raw["u"])}, ½N_γ {0.5 * close}");
            var proven = 0.5 * close / binned.StandardDeviation + Math.Abs(zRaw) * Math.Abs(sigmaRaw / binned.StandardDeviation - 1);
            Assert.True(zDifference <= proven, $"{scenario}: |Δz| = {zDifference} > proven bound {proven}");

            var practical = scenario.StartsWith("latencies rounded", StringComparison.Ordinal) ? 0.01 : 0.1;
            Assert.True(zDifference <= practical, $"{scenario}: |Δz| = {zDifference:G3} (z_raw = {zRaw:G4}) > {practical}");
            Assert.True(Math.Abs(binned.PValue - PythonReference.Number(raw["p"])) <= 0.8 * practical,
                $"{scenario}: p binned {binned.PValue:G4} vs raw {PythonReference.Number(raw["p"]):G4}");
        }
    }

    private static (double[] X, double[] Y) Data(string scenario)
    {
        var random = new Random(scenario.Length);
        const int n = 20_000;
        return scenario switch
        {
            _ when scenario.StartsWith("lognormal, 1%", StringComparison.Ordinal) =>
                (LatencySamples.LogNormal(random, n, Math.Log(40) + Math.Log(1.01), 0.8), LatencySamples.LogNormal(random, n, Math.Log(40), 0.8)),
            _ when scenario.StartsWith("lognormal, 5%", StringComparison.Ordinal) =>
                (LatencySamples.LogNormal(random, n, Math.Log(40) + Math.Log(1.05), 0.8), LatencySamples.LogNormal(random, n, Math.Log(40), 0.8)),
            _ when scenario.StartsWith("bimodal", StringComparison.Ordinal) =>
                (LatencySamples.Bimodal(random, n), LatencySamples.Bimodal(random, n)),
            _ => (LatencySamples.Rounded(LatencySamples.LogNormal(random, n, Math.Log(3) + Math.Log(1.02), 0.5), 0.1),
                  LatencySamples.Rounded(LatencySamples.LogNormal(random, n, Math.Log(3), 0.5), 0.1)),
        };
    }
}
