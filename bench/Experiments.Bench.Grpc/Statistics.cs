namespace Experiments.Bench.Grpc;

internal static class Statistics
{
    public static double Median(IReadOnlyCollection<double> values) => Quantile(values, 0.5);

    /// <summary>The <paramref name="p"/>-quantile with linear interpolation between order statistics (R's type 7).</summary>
    public static double Quantile(IReadOnlyCollection<double> values, double p)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("The quantile of nothing is undefined.", nameof(values));
        }
        var sorted = values.Order().ToArray();
        var position = p * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
