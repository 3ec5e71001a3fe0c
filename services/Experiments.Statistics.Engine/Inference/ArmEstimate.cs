namespace Experiments.Statistics.Engine.Inference;

/// <summary>
/// One arm's estimate of a metric, the variance of that estimate (its squared standard error, not the
/// per-unit variance), and the number of randomization units behind it.
/// </summary>
/// <param name="Value">The point estimate (a mean, a proportion, a ratio of sums).</param>
/// <param name="Variance">The variance of <paramref name="Value"/> as an estimator.</param>
/// <param name="Units">Randomization units (users, sessions or requests) in the arm.</param>
public readonly record struct ArmEstimate(double Value, double Variance, long Units)
{
    /// <summary>The standard error of <see cref="Value"/>.</summary>
    public double StandardError => Math.Sqrt(Variance);
}
