using Experiments.Statistics.Engine.Histograms;
using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.Quantiles;
using Xunit.Abstractions;

namespace Experiments.Statistics.Engine.Tests.Simulation.Quantiles;

/// <summary>
/// Coverage of quantile intervals when users are randomized and their requests are correlated. 2,000
/// replications of a two-arm experiment (4,000 users per arm, 1 + Exp(4) requests each, treatment 3% slower), p50, p95 and
/// p99. Nominal 95%; with 2,000 replications the Monte Carlo standard error of a coverage is 0.5%, so the ±2%
/// band is four standard errors wide.
/// </summary>
public sealed class ClusteredQuantileCoverageTests(ITestOutputHelper output)
{
    private const int Replications = 2_000;
    private const double Effect = 1.03;
    private static readonly double[] Probabilities = [0.5, 0.95, 0.99];
    private static readonly ClusteredLatencySimulation Arm = new(Users: 4_000, MeanRequests: 5, Median: 40, UserSigma: 0.5, RequestSigma: 0.5);

    private static readonly Lazy<Coverage[]> Results = new(Simulate);

    [Fact]
    public void Clustered_intervals_reach_nominal_coverage_for_one_arm_and_for_the_difference()
    {
        foreach (var coverage in Results.Value)
        {
            output.WriteLine(coverage.ToString());
            Assert.InRange(coverage.ClusteredArm, 0.93, 0.97);
            Assert.InRange(coverage.ClusteredDifference, 0.93, 0.97);
            Assert.InRange(coverage.ClusteredRelative, 0.93, 0.97);
        }
    }

    [Fact]
    public void Intervals_that_ignore_clustering_under_cover_in_the_same_simulation()
    {
        // The same assertion as above would fail for the request-level intervals: this is what the clustered test
        // is for, and it shows the simulation is able to detect a wrong interval.
        foreach (var coverage in Results.Value)
        {
            output.WriteLine(coverage.ToString());
            Assert.True(coverage.NaiveArm < 0.93, $"p{coverage.Probability}: naive one-arm coverage {coverage.NaiveArm:P1}");
            Assert.True(coverage.NaiveDifference < 0.93, $"p{coverage.Probability}: naive difference coverage {coverage.NaiveDifference:P1}");
        }
    }

    private static Coverage[] Simulate()
    {
        var hits = new int[Probabilities.Length, 5];
        Parallel.For(0, Replications, new ParallelOptions { MaxDegreeOfParallelism = 2 }, replication =>
        {
            var random = new Random(1_000_003 * replication + 17);
            var (controlArm, controlUnits) = Arm.Generate(random, 1);
            var (treatmentArm, treatmentUnits) = Arm.Generate(random, Effect);
            for (var i = 0; i < Probabilities.Length; i++)
            {
                var p = Probabilities[i];
                var trueControl = Arm.TrueQuantile(p, 1);
                var trueTreatment = Arm.TrueQuantile(p, Effect);
                var clusteredControl = Clustered(controlArm, controlUnits, p);
                var clusteredTreatment = Clustered(treatmentArm, treatmentUnits, p);
                var clustered = QuantileDifference.Compare(clusteredControl, clusteredTreatment);
                var naiveControl = RequestLevelQuantile.Estimate(controlArm, p);
                var naive = QuantileDifference.Compare(naiveControl, RequestLevelQuantile.Estimate(treatmentArm, p));
                Count(hits, i, 0, clusteredControl.Ci, trueControl);
                Count(hits, i, 1, clustered.AbsoluteCi, trueTreatment - trueControl);
                Count(hits, i, 2, clustered.RelativeCi, Effect - 1);
                Count(hits, i, 3, naiveControl.Ci, trueControl);
                Count(hits, i, 4, naive.AbsoluteCi, trueTreatment - trueControl);
            }
        });
        return Probabilities.Select((p, i) => new Coverage(p,
            Rate(hits[i, 0]), Rate(hits[i, 1]), Rate(hits[i, 2]), Rate(hits[i, 3]), Rate(hits[i, 4]))).ToArray();
    }

    // The streaming aggregator's two passes: the arm's threshold, then per-unit sums against it.
    private static QuantileEstimate Clustered(LogHistogram arm, List<LogHistogram> units, double probability)
    {
        var sums = new ClusteredIndicatorSums(QuantileThreshold.Of(arm, probability));
        foreach (var unit in units)
        {
            sums.Add(unit);
        }
        return ClusteredQuantile.Estimate(arm, sums);
    }

    private static void Count(int[,] hits, int probability, int kind, ConfidenceInterval ci, double truth)
    {
        if (ci.Contains(truth))
        {
            Interlocked.Increment(ref hits[probability, kind]);
        }
    }

    private static double Rate(int hits) => (double)hits / Replications;

    private sealed record Coverage(double Probability, double ClusteredArm, double ClusteredDifference, double ClusteredRelative, double NaiveArm, double NaiveDifference)
    {
        public override string ToString() =>
            $"p{Probability * 100}: clustered arm {ClusteredArm:P1}, difference {ClusteredDifference:P1}, relative {ClusteredRelative:P1}; naive arm {NaiveArm:P1}, difference {NaiveDifference:P1}";
    }
}
