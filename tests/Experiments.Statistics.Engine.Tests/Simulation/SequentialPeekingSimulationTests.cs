using Experiments.Statistics.Engine.Means;
using Experiments.Statistics.Engine.Proportions;
using Experiments.Statistics.Engine.Sequential;
using Experiments.Statistics.Engine.Tests.Support;
using MathNet.Numerics.Distributions;
using Xunit.Abstractions;

namespace Experiments.Statistics.Engine.Tests.Simulation;

/// <summary>
/// A/A experiments read after every batch, as users read dashboards. The always-valid interval must keep
/// the chance of ever declaring a difference at or below α; naive fixed-horizon p-values checked at every
/// look must not (otherwise this simulation could not detect a broken sequential test).
/// </summary>
public sealed class SequentialPeekingSimulationTests(ITestOutputHelper output)
{
    private const double Alpha = 0.05;
    private const int Experiments = 4_000;
    private const int Looks = 20;

    private sealed record Outcome(int SequentialFalsePositives, int NaiveFalsePositives);

    // Latency-like metric, 250 units per arm per batch: 10,000 units at the last look, N* = 5,000.
    private static readonly Lazy<Outcome> Means = new(() =>
    {
        const int batch = 250;
        var random = new Random(181008240);
        var sequence = new NormalMixtureConfidenceSequence(tuningSampleSize: 5_000, Alpha);
        int sequential = 0, naive = 0;
        for (var e = 0; e < Experiments; e++)
        {
            SampleSummary control = default, treatment = default;
            bool sequentialRejected = false, naiveRejected = false;
            for (var look = 0; look < Looks; look++)
            {
                control = control.Merge(SummaryDraws.NormalBatch(random, batch, 250, 60));
                treatment = treatment.Merge(SummaryDraws.NormalBatch(random, batch, 250, 60));
                sequentialRejected |= sequence.Compare(control.ToEstimate(), treatment.ToEstimate()).AbsoluteCi.ExcludesZero;
                naiveRejected |= WelchTTest.Compare(control, treatment, Alpha).PValue < Alpha;
            }
            sequential += sequentialRejected ? 1 : 0;
            naive += naiveRejected ? 1 : 0;
        }
        return new Outcome(sequential, naive);
    });

    // Error rate of 2%, 500 requests per arm per batch (binomial counts are exact sums of the batch).
    private static readonly Lazy<Outcome> Rates = new(() =>
    {
        const int batch = 500;
        var random = new Random(210306476);
        var sequence = new NormalMixtureConfidenceSequence(tuningSampleSize: 10_000, Alpha);
        int sequential = 0, naive = 0;
        for (var e = 0; e < Experiments; e++)
        {
            BinomialCounts control = default, treatment = default;
            bool sequentialRejected = false, naiveRejected = false;
            for (var look = 0; look < Looks; look++)
            {
                control = control.Merge(new BinomialCounts(Binomial.Sample(random, 0.02, batch), batch));
                treatment = treatment.Merge(new BinomialCounts(Binomial.Sample(random, 0.02, batch), batch));
                sequentialRejected |= sequence.Compare(control.ToEstimate(), treatment.ToEstimate()).AbsoluteCi.ExcludesZero;
                naiveRejected |= TwoProportionZTest.Compare(control, treatment, Alpha).PValue < Alpha;
            }
            sequential += sequentialRejected ? 1 : 0;
            naive += naiveRejected ? 1 : 0;
        }
        return new Outcome(sequential, naive);
    });

    public static TheoryData<string> Metrics => ["mean latency", "error rate"];

    private static Outcome Run(string metric) => metric == "mean latency" ? Means.Value : Rates.Value;

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Always_valid_interval_keeps_false_positive_rate_at_alpha_under_continuous_peeking(string metric)
    {
        var outcome = Run(metric);
        // If the true rate were exactly α, a count above this bound would happen with probability 0.1%.
        var tolerance = BinomialProportionInterval.UpperNoiseBound(Alpha, Experiments) - Alpha;
        var rate = (double)outcome.SequentialFalsePositives / Experiments;
        output.WriteLine($"{metric}: always-valid false positives {BinomialProportionInterval.Describe(outcome.SequentialFalsePositives, Experiments)}");
        Assert.True(rate <= Alpha + tolerance,
            $"{metric}: A/A experiments with any always-valid rejection over {Looks} looks: " +
            $"{BinomialProportionInterval.Describe(outcome.SequentialFalsePositives, Experiments)}; allowed ≤ α + {tolerance:F4} = {Alpha + tolerance:F4}");
    }

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Naive_fixed_horizon_p_values_checked_at_every_look_exceed_alpha(string metric)
    {
        var outcome = Run(metric);
        var (lower, _) = BinomialProportionInterval.ClopperPearson(outcome.NaiveFalsePositives, Experiments, 0.999);
        output.WriteLine($"{metric}: naive false positives {BinomialProportionInterval.Describe(outcome.NaiveFalsePositives, Experiments)}");
        Assert.True(lower > Alpha,
            $"{metric}: A/A experiments with any naive p < α over {Looks} looks: " +
            $"{BinomialProportionInterval.Describe(outcome.NaiveFalsePositives, Experiments)}; the 99.9% lower bound {lower:F4} should exceed α");
    }
}
