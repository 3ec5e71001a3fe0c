using Experiments.Statistics.Engine.Means;
using Experiments.Statistics.Engine.Ratios;
using Experiments.Statistics.Engine.Tests.Support;
using MathNet.Numerics.Distributions;
using Xunit.Abstractions;

namespace Experiments.Statistics.Engine.Tests.Simulation;

/// <summary>
/// Users randomized, latency measured per request: requests of one user share that user's latency level.
/// The delta-method interval over users must cover the true (zero) difference at its nominal rate; an
/// interval that treats requests as independent must not — which is why DESIGN §5 demands the delta method.
/// </summary>
public sealed class RatioMetricCoverageSimulationTests(ITestOutputHelper output)
{
    private const double Alpha = 0.05;
    private const int Experiments = 2_000;
    private const int UsersPerArm = 1_000;

    private sealed record Arm(RatioMetricStatistics Users, SampleSummary Requests);

    // Per user: k = 1 + Poisson(4) requests with latencies N(m_u, 20²) around a user level m_u ~ LogNormal(ln 100, 0.5).
    // The user's request sum, and its request-level sum of squares, are drawn exactly from their distributions.
    private static Arm DrawArm(Random random)
    {
        var users = default(RatioMetricStatistics);
        var requests = default(SampleSummary);
        for (var u = 0; u < UsersPerArm; u++)
        {
            var k = 1 + Poisson.Sample(random, 4);
            var level = LogNormal.Sample(random, Math.Log(100), 0.5);
            var noiseSum = Normal.Sample(random, 0, 20 * Math.Sqrt(k));
            var latencySum = k * level + noiseSum;
            users = users.Add(latencySum, k);

            // Request-level summary of this user's k latencies: mean and (k − 1)s² = Σ(l − m_u)² − (Σ(l − m_u))²/k,
            // with Σ(l − m_u)² − (Σ(l − m_u))²/k ~ 20²·χ²(k − 1) independent of the sum.
            var within = k > 1 ? 400 * ChiSquared.Sample(random, k - 1) / (k - 1) : 0;
            requests = requests.Merge(new SampleSummary(k, latencySum / k, within));
        }
        return new Arm(users, requests);
    }

    [Fact]
    public void Delta_method_interval_over_users_keeps_nominal_coverage_where_request_level_interval_does_not()
    {
        var random = new Random(1803);
        int deltaCovered = 0, naiveCovered = 0;
        for (var e = 0; e < Experiments; e++)
        {
            var control = DrawArm(random);
            var treatment = DrawArm(random);
            deltaCovered += RatioMetricTest.Compare(control.Users, treatment.Users, Alpha).AbsoluteCi.Contains(0) ? 1 : 0;
            naiveCovered += WelchTTest.Compare(control.Requests, treatment.Requests, Alpha).AbsoluteCi.Contains(0) ? 1 : 0;
        }

        var delta = $"delta method over users: coverage {BinomialProportionInterval.Describe(deltaCovered, Experiments)}";
        var naive = $"requests as independent: coverage {BinomialProportionInterval.Describe(naiveCovered, Experiments)}";
        output.WriteLine(delta);
        output.WriteLine(naive);

        // A coverage of exactly 1 − α would fall outside ±this only with probability 0.2%.
        var tolerance = BinomialProportionInterval.UpperNoiseBound(Alpha, Experiments) - Alpha;
        Assert.True(Math.Abs((double)deltaCovered / Experiments - (1 - Alpha)) <= tolerance, $"{delta}; expected {1 - Alpha:F2} ± {tolerance:F4}");
        var (_, naiveUpper) = BinomialProportionInterval.ClopperPearson(naiveCovered, Experiments, 0.999);
        Assert.True(naiveUpper < 1 - Alpha, $"{naive}; its 99.9% upper bound {naiveUpper:F4} should fall below {1 - Alpha:F2}");
    }
}
