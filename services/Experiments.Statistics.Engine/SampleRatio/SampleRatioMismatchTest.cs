using Experiments.Statistics.Engine.Inference;
using MathNet.Numerics;

namespace Experiments.Statistics.Engine.SampleRatio;

/// <summary>
/// Sample ratio mismatch (SRM): Pearson's χ² goodness-of-fit test of the exposure counts per arm against the
/// configured weights, as scipy.stats.chisquare(observed, expected) — any number of arms, no continuity
/// correction.
/// </summary>
/// <remarks>
/// An SRM means units were lost or duplicated unevenly between arms, so every comparison is biased in an
/// unknown direction (Fabijan et al., KDD 2019). The threshold is strict (p &lt; 0.001 by default) because the
/// check runs continuously and on every experiment: a lenient one would block many healthy experiments.
/// </remarks>
public static class SampleRatioMismatchTest
{
    /// <summary>The p-value below which exposure counts are declared mismatched.</summary>
    public const double DefaultThreshold = 0.001;

    /// <summary>Tests <paramref name="observed"/> exposure counts against <paramref name="weights"/> (any positive scale).</summary>
    /// <remarks>
    /// An arm with weight 0 expects no units: if it has none it is left out (one degree of freedom fewer);
    /// if it has some, that is a mismatch by definition (χ² = +∞, p = 0). No exposures at all is no evidence
    /// of a mismatch (p = 1).
    /// </remarks>
    /// <exception cref="ArgumentException">Lengths differ, fewer than two arms have a positive weight, or a count or weight is negative or not finite.</exception>
    public static SampleRatioMismatchResult Test(IReadOnlyList<long> observed, IReadOnlyList<double> weights, double threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(weights);
        SignificanceLevel.Validate(threshold);
        if (observed.Count != weights.Count)
        {
            throw new ArgumentException($"{observed.Count} counts but {weights.Count} weights.", nameof(weights));
        }
        var weightTotal = 0.0;
        var weightedArms = 0;
        var total = 0.0;
        for (var i = 0; i < observed.Count; i++)
        {
            if (observed[i] < 0)
            {
                throw new ArgumentException($"Count {i} is negative.", nameof(observed));
            }
            if (!(weights[i] >= 0) || !double.IsFinite(weights[i]))
            {
                throw new ArgumentException($"Weight {i} must be a finite non-negative number.", nameof(weights));
            }
            weightTotal += weights[i];
            total += observed[i];
            if (weights[i] > 0)
            {
                weightedArms++;
            }
        }
        if (weightedArms < 2)
        {
            throw new ArgumentException("At least two arms need a positive weight.", nameof(weights));
        }

        var expected = new double[observed.Count];
        var chiSquare = 0.0;
        for (var i = 0; i < observed.Count; i++)
        {
            expected[i] = total * weights[i] / weightTotal;
            if (weights[i] == 0)
            {
                chiSquare += observed[i] > 0 ? double.PositiveInfinity : 0;
                continue;
            }
            if (expected[i] > 0)
            {
                var deviation = observed[i] - expected[i];
                chiSquare += deviation * deviation / expected[i];
            }
        }
        var degreesOfFreedom = weightedArms - 1;
        var pValue = total == 0 ? 1.0
            : double.IsPositiveInfinity(chiSquare) ? 0.0
            : SpecialFunctions.GammaUpperRegularized(degreesOfFreedom / 2.0, chiSquare / 2);
        return new SampleRatioMismatchResult(chiSquare, degreesOfFreedom, pValue, expected, pValue < threshold);
    }
}
