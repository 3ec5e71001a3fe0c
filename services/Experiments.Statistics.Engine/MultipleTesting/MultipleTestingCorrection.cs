using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.MultipleTesting;

/// <summary>
/// Multiple-testing adjustments for the KPIs of one experiment, matching statsmodels
/// multipletests(method='holm') and multipletests(method='fdr_bh').
/// </summary>
public static class MultipleTestingCorrection
{
    /// <summary>Adjusts <paramref name="pValues"/> with <paramref name="method"/>.</summary>
    public static AdjustedPValues Adjust(IReadOnlyList<double> pValues, MultipleTestingMethod method = MultipleTestingMethod.Holm, double alpha = 0.05) =>
        method switch
        {
            MultipleTestingMethod.Holm => Holm(pValues, alpha),
            MultipleTestingMethod.BenjaminiHochberg => BenjaminiHochberg(pValues, alpha),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown multiple-testing method."),
        };

    /// <summary>
    /// Holm's step-down procedure. With p-values sorted ascending p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted value of p₍ᵢ₎ is
    /// max over j ≤ i of (m − j + 1)·p₍ⱼ₎, capped at 1; hypotheses are rejected in order while p₍ᵢ₎ ≤ α/(m − i + 1).
    /// </summary>
    public static AdjustedPValues Holm(IReadOnlyList<double> pValues, double alpha = 0.05)
    {
        var order = SortedOrder(pValues, alpha);
        var m = order.Length;
        var adjusted = new double[m];
        var rejected = new bool[m];
        var running = 0.0;
        var stillRejecting = true;
        for (var i = 0; i < m; i++)
        {
            var p = pValues[order[i]];
            // Step-down: the first hypothesis that fails its threshold stops all that follow.
            stillRejecting &= p <= alpha / (m - i);
            rejected[order[i]] = stillRejecting;
            running = Math.Max(running, p * (m - i));
            adjusted[order[i]] = Math.Min(1.0, running);
        }
        return new AdjustedPValues(MultipleTestingMethod.Holm, alpha, adjusted, rejected);
    }

    /// <summary>
    /// Benjamini–Hochberg step-up procedure. The adjusted value of p₍ᵢ₎ is min over j ≥ i of p₍ⱼ₎·m/j, capped at 1;
    /// every hypothesis up to the largest i with p₍ᵢ₎ ≤ α·i/m is rejected.
    /// </summary>
    public static AdjustedPValues BenjaminiHochberg(IReadOnlyList<double> pValues, double alpha = 0.05)
    {
        var order = SortedOrder(pValues, alpha);
        var m = order.Length;
        var adjusted = new double[m];
        var rejected = new bool[m];
        var running = double.PositiveInfinity;
        var rejecting = false;
        for (var i = m - 1; i >= 0; i--)
        {
            var p = pValues[order[i]];
            // (i+1)/m as its own quotient, like statsmodels' ecdf factor, so boundary cases round alike.
            var fraction = (i + 1) / (double)m;
            // Step-up: once one hypothesis passes, every smaller p-value is rejected too.
            rejecting |= p <= fraction * alpha;
            rejected[order[i]] = rejecting;
            running = Math.Min(running, p / fraction);
            adjusted[order[i]] = Math.Min(1.0, running);
        }
        return new AdjustedPValues(MultipleTestingMethod.BenjaminiHochberg, alpha, adjusted, rejected);
    }

    private static int[] SortedOrder(IReadOnlyList<double> pValues, double alpha)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        SignificanceLevel.Validate(alpha);
        for (var i = 0; i < pValues.Count; i++)
        {
            if (!(pValues[i] >= 0 && pValues[i] <= 1))
            {
                throw new ArgumentException($"p-value {i} is {pValues[i]}, outside [0, 1].", nameof(pValues));
            }
        }
        var order = Enumerable.Range(0, pValues.Count).ToArray();
        // Stable, so ties keep their input order (their adjusted values coincide either way).
        return order.OrderBy(i => pValues[i]).ToArray();
    }
}
