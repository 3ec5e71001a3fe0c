namespace Experiments.Statistics.Engine.SampleRatio;

/// <summary>The outcome of a sample ratio mismatch check.</summary>
/// <param name="ChiSquare">Pearson's statistic Σ (observed − expected)² / expected.</param>
/// <param name="DegreesOfFreedom">Arms with a positive weight, minus one.</param>
/// <param name="PValue">P(χ²_df ≥ <paramref name="ChiSquare"/>).</param>
/// <param name="Expected">Expected exposures per arm: total × weight / Σ weights.</param>
/// <param name="IsMismatch">Whether <paramref name="PValue"/> fell below the threshold: the assignment is broken and no verdict may be given.</param>
public sealed record SampleRatioMismatchResult(
    double ChiSquare,
    int DegreesOfFreedom,
    double PValue,
    IReadOnlyList<double> Expected,
    bool IsMismatch);
