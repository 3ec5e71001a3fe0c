using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Tests.Unit.Histograms;

/// <summary>Seeded latency-like samples for histogram and quantile tests.</summary>
internal static class LatencySamples
{
    public static double StandardNormal(Random random)
    {
        // Box–Muller; 1 - NextDouble() avoids log(0).
        var u = 1 - random.NextDouble();
        var v = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    public static double[] LogNormal(Random random, int n, double mu, double sigma) =>
        Enumerable.Range(0, n).Select(_ => Math.Exp(mu + sigma * StandardNormal(random))).ToArray();

    /// <summary>A fast mode (cache hits, ~2 ms) and a slow mode (backend calls, ~80 ms) with a small far tail.</summary>
    public static double[] Bimodal(Random random, int n) =>
        Enumerable.Range(0, n).Select(_ =>
        {
            var u = random.NextDouble();
            return u < 0.7 ? Math.Exp(Math.Log(2) + 0.3 * StandardNormal(random))
                : u < 0.99 ? Math.Exp(Math.Log(80) + 0.5 * StandardNormal(random))
                : Math.Exp(Math.Log(2000) + 1.0 * StandardNormal(random));
        }).ToArray();

    /// <summary>Latencies rounded to whole 0.1 ms, as many clients report them: lots of exact ties.</summary>
    public static double[] Rounded(double[] values, double step) =>
        values.Select(v => Math.Max(step, Math.Round(v / step) * step)).ToArray();

    public static LogHistogram ToHistogram(IEnumerable<double> values)
    {
        var histogram = new LogHistogram();
        foreach (var value in values)
        {
            histogram.Add(value);
        }
        return histogram;
    }
}
