using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>
/// The sample <paramref name="Probability"/>-quantile of an arm's histogram, pinned to a position in the shared
/// bucket mapping so that every shard can count, per unit, the requests at or below it
/// (<see cref="ClusteredIndicatorSums"/>) without re-reading the arm.
/// </summary>
/// <param name="Probability">The quantile level p.</param>
/// <param name="Value">The interpolated quantile in milliseconds.</param>
/// <param name="BucketIndex">Bucket of <see cref="LogBucketMapping"/> that holds it.</param>
/// <param name="FractionOfBucket">Share of that bucket's requests counted as at or below it.</param>
public readonly record struct QuantileThreshold(double Probability, double Value, int BucketIndex, double FractionOfBucket)
{
    /// <summary>
    /// Locates the p-quantile of <paramref name="arm"/> at continuous rank p·n, interpolating log-uniformly inside
    /// its bucket: the estimate moves continuously with the data instead of jumping a whole bucket (2%), which
    /// would dwarf the standard error of a large experiment.
    /// </summary>
    public static QuantileThreshold Of(LogHistogram arm, double probability)
    {
        ArgumentNullException.ThrowIfNull(arm);
        if (!(probability > 0 && probability < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "The quantile must be strictly between 0 and 1.");
        }
        if (arm.Count == 0)
        {
            throw new ArgumentException("The arm has no requests.", nameof(arm));
        }
        var position = arm.Locate(probability * arm.Count);
        return new QuantileThreshold(probability, arm.ValueAt(position), position.BucketIndex, position.Fraction);
    }

    internal BucketPosition Position => new(BucketIndex + 1, FractionOfBucket);
}
