using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Means;

/// <summary>
/// Count, mean and unbiased (n − 1) variance of a sample — the sufficient statistics of Welch's test.
/// Immutable and mergeable, so shards summarise their own observations and combine exactly.
/// </summary>
/// <param name="Count">Number of observations.</param>
/// <param name="Mean">Arithmetic mean; 0 for an empty sample.</param>
/// <param name="Variance">Sample variance with denominator n − 1; 0 while n &lt; 2.</param>
public readonly record struct SampleSummary(long Count, double Mean, double Variance)
{
    /// <summary>Summarises a sample with a two-pass mean and variance.</summary>
    public static SampleSummary Of(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            return default;
        }
        var sum = 0.0;
        foreach (var value in values)
        {
            sum += value;
        }
        var mean = sum / values.Length;
        var squares = 0.0;
        var residual = 0.0;
        foreach (var value in values)
        {
            var deviation = value - mean;
            squares += deviation * deviation;
            residual += deviation;
        }
        // The corrected two-pass formula (Chan, Golub & LeVeque 1983) removes the rounding left in the mean.
        squares -= residual * residual / values.Length;
        return new SampleSummary(values.Length, mean, values.Length > 1 ? squares / (values.Length - 1) : 0);
    }

    /// <summary>The summary with one more observation (Welford's update).</summary>
    public SampleSummary Add(double value) => Merge(new SampleSummary(1, value, 0));

    /// <summary>The summary of both samples together (Chan, Golub &amp; LeVeque's pairwise update).</summary>
    public SampleSummary Merge(SampleSummary other)
    {
        if (other.Count == 0)
        {
            return this;
        }
        if (Count == 0)
        {
            return other;
        }
        long count = Count + other.Count;
        var delta = other.Mean - Mean;
        var mean = Mean + delta * other.Count / count;
        var squares = SumOfSquaredDeviations + other.SumOfSquaredDeviations + delta * delta * Count * other.Count / count;
        return new SampleSummary(count, mean, squares / (count - 1));
    }

    /// <summary>The mean as an estimate with variance s²/n.</summary>
    public ArmEstimate ToEstimate() => new(Mean, Count > 0 ? Variance / Count : double.NaN, Count);

    private double SumOfSquaredDeviations => Count > 1 ? Variance * (Count - 1) : 0;
}
