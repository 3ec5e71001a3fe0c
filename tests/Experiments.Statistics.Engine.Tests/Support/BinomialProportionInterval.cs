using MathNet.Numerics.Distributions;

namespace Experiments.Statistics.Engine.Tests.Support;

/// <summary>Intervals for a rate estimated by simulation: k events in n replications.</summary>
internal static class BinomialProportionInterval
{
    /// <summary>The exact (Clopper–Pearson) two-sided interval at <paramref name="confidence"/>.</summary>
    public static (double Lower, double Upper) ClopperPearson(int events, int replications, double confidence = 0.95)
    {
        var tail = (1 - confidence) / 2;
        var lower = events == 0 ? 0 : Beta.InvCDF(events, replications - events + 1, tail);
        var upper = events == replications ? 1 : Beta.InvCDF(events + 1, replications - events, 1 - tail);
        return (lower, upper);
    }

    /// <summary>
    /// The largest rate a binomial count is expected to show when the true rate is <paramref name="rate"/>:
    /// rate + z·√(rate(1 − rate)/n) with one-sided confidence <paramref name="confidence"/>.
    /// </summary>
    public static double UpperNoiseBound(double rate, int replications, double confidence = 0.999) =>
        rate + Normal.InvCDF(0, 1, confidence) * Math.Sqrt(rate * (1 - rate) / replications);

    public static string Describe(int events, int replications)
    {
        var (lower, upper) = ClopperPearson(events, replications);
        return $"{events}/{replications} = {(double)events / replications:F4} (95% Clopper–Pearson CI [{lower:F4}, {upper:F4}])";
    }
}
