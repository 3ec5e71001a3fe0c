namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>Result of a two-sided Mann–Whitney U test (normal approximation with tie correction).</summary>
/// <param name="U">U of the first sample x: #(x &gt; y) + ½·#(x = y) over all pairs — scipy's <c>statistic</c>.</param>
/// <param name="Z">
/// Standardized statistic, signed like U - n₁n₂/2 (positive when x tends to be larger); its magnitude is
/// (|U - n₁n₂/2| - ½ with continuity correction) / σ_U.
/// </param>
/// <param name="PValue">Two-sided p-value, 2·P(N(0,1) ≥ |Z|) capped at 1.</param>
/// <param name="N1">Size of x.</param>
/// <param name="N2">Size of y.</param>
/// <param name="StandardDeviation">σ_U = √(n₁n₂/12 · ((n + 1) - Σ(t³ - t) / (n(n - 1)))) over tie groups t.</param>
public sealed record MannWhitneyResult(double U, double Z, double PValue, long N1, long N2, double StandardDeviation)
{
    /// <summary>U / (n₁n₂): the probability that a random x exceeds a random y, counting ties as half.</summary>
    public double ProbabilityOfSuperiority => U / ((double)N1 * N2);
}
