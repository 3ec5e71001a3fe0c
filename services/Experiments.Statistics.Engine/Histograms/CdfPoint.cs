namespace Experiments.Statistics.Engine.Histograms;

/// <summary>A step of the empirical CDF read from a <see cref="LogHistogram"/>, for plots.</summary>
/// <param name="UpperBound">Exclusive upper bound of a non-empty bucket, in milliseconds.</param>
/// <param name="CumulativeCount">Number of values below <paramref name="UpperBound"/>.</param>
/// <param name="CumulativeFraction"><paramref name="CumulativeCount"/> divided by the histogram's count.</param>
public readonly record struct CdfPoint(double UpperBound, long CumulativeCount, double CumulativeFraction);
