using System.Globalization;
using MathNet.Numerics.Distributions;

namespace Experiments.Bench.Peeking;

/// <summary>Exact (Clopper–Pearson) binomial confidence intervals, from beta quantiles.</summary>
internal static class ClopperPearson
{
    public static (double Lower, double Upper) Interval(int successes, int trials, double level = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        var tail = (1 - level) / 2;
        var lower = successes == 0 ? 0 : Beta.InvCDF(successes, trials - successes + 1, tail);
        var upper = successes == trials ? 1 : Beta.InvCDF(successes + 1, trials - successes, 1 - tail);
        return (lower, upper);
    }

    /// <summary>"k/n (95% CI a–b)".</summary>
    public static string Format(int successes, int trials)
    {
        if (trials == 0)
        {
            return "0/0";
        }
        var (lower, upper) = Interval(successes, trials);
        return string.Create(CultureInfo.InvariantCulture, $"{successes}/{trials} ({lower:0.000}–{upper:0.000})");
    }
}
