namespace Experiments.Statistics.Engine.Histograms;

/// <summary>One non-empty bucket of a <see cref="LogHistogram"/>: values in [<paramref name="Lower"/>, <paramref name="Upper"/>).</summary>
/// <param name="Index">Bucket index of <see cref="LogBucketMapping"/> (-1 = zero bucket, <see cref="LogBucketMapping.OverflowBucketIndex"/> = overflow).</param>
/// <param name="Lower">Inclusive lower bound in milliseconds.</param>
/// <param name="Upper">Exclusive upper bound in milliseconds (+∞ for the overflow bucket).</param>
/// <param name="Count">Number of values in the bucket.</param>
public readonly record struct HistogramBucket(int Index, double Lower, double Upper, long Count);
