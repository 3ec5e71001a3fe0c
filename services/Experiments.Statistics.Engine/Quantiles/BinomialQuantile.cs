using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>CDF and quantile function of Binomial(n, p) for counts beyond <see cref="int"/> (MathNet's take an int n).</summary>
internal static class BinomialQuantile
{
    /// <summary>P(B ≤ k) for B ~ Binomial(n, p), 0 &lt; p &lt; 1.</summary>
    public static double Cdf(long k, long n, double p)
    {
        if (k < 0)
        {
            return 0;
        }
        if (k >= n)
        {
            return 1;
        }
        // P(B ≤ k) = I_{1-p}(n - k, k + 1).
        return SpecialFunctions.BetaRegularized(n - k, k + 1.0, 1 - p);
    }

    /// <summary>The smallest k in [0, n] with P(B ≤ k) ≥ target, as scipy.stats.binom.ppf defines it.</summary>
    public static long Ppf(double target, long n, double p)
    {
        if (target <= 0)
        {
            return 0;
        }
        if (target >= 1)
        {
            return n;
        }
        // Bracket around the normal approximation with doubling steps, then bisect: ~15 CDF evaluations even for
        // billions of trials.
        var sd = Math.Sqrt(n * p * (1 - p));
        var guess = (long)Math.Clamp(Math.Floor(n * p + Normal.InvCDF(0, 1, target) * sd), 0, n);
        var step = Math.Max(1L, (long)(0.1 * sd));
        long low, high; // invariant: Cdf(low) < target (or low = -1), Cdf(high) ≥ target
        if (Cdf(guess, n, p) >= target)
        {
            high = guess;
            low = guess - step;
            while (low >= 0 && Cdf(low, n, p) >= target)
            {
                high = low;
                step *= 2;
                low -= step;
            }
            low = Math.Max(low, -1);
        }
        else
        {
            low = guess;
            high = guess + step;
            while (high < n && Cdf(high, n, p) < target)
            {
                low = high;
                step *= 2;
                high += step;
            }
            high = Math.Min(high, n);
        }
        while (high - low > 1)
        {
            var middle = low + (high - low) / 2;
            if (Cdf(middle, n, p) >= target)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }
        return high;
    }
}
