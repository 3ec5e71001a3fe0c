using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Proportions;

/// <summary>
/// Compares two rates with the two-proportion z-test, or with Fisher's exact test when counts are small.
/// </summary>
/// <remarks>
/// The rule is Cochran's: the normal approximation is trusted when every cell of the 2×2 table expects at
/// least <see cref="MinimumExpectedCount"/> counts under H₀ (expected = arm trials × pooled rate, or × its
/// complement). Below that — a rare error with few requests — the z-test's p-value can be far off in either
/// direction, while Fisher's is exact (conditional on the margins, hence somewhat conservative).
/// </remarks>
public static class ProportionTest
{
    /// <summary>The smallest expected cell count for which the z-test is used.</summary>
    public const double MinimumExpectedCount = 5;

    /// <summary>Whether the counts are too small for the normal approximation.</summary>
    public static bool NeedsExactTest(BinomialCounts control, BinomialCounts treatment)
    {
        var trials = (double)control.Trials + treatment.Trials;
        if (trials == 0)
        {
            return true;
        }
        var pooled = (control.Successes + (double)treatment.Successes) / trials;
        var smallestArm = Math.Min(control.Trials, treatment.Trials);
        return smallestArm * Math.Min(pooled, 1 - pooled) < MinimumExpectedCount;
    }

    /// <summary>Compares treatment with control with the test the counts call for.</summary>
    public static TestResult Compare(BinomialCounts control, BinomialCounts treatment, double alpha = 0.05) =>
        NeedsExactTest(control, treatment)
            ? FisherExactTest.Compare(control, treatment, alpha)
            : TwoProportionZTest.Compare(control, treatment, alpha);
}
