using MathNet.Numerics;

namespace Experiments.Statistics.Engine.Inference;

/// <summary>Tail probabilities and quantiles of the standard normal distribution.</summary>
internal static class StandardNormal
{
    /// <summary>P(Z &gt; z), computed from erfc so that small tails keep their relative accuracy.</summary>
    public static double UpperTail(double z) => 0.5 * SpecialFunctions.Erfc(z / Math.Sqrt(2));

    /// <summary>P(|Z| ≥ |z|).</summary>
    public static double TwoSidedPValue(double z) =>
        double.IsNaN(z) ? double.NaN : Math.Min(1.0, SpecialFunctions.Erfc(Math.Abs(z) / Math.Sqrt(2)));

    /// <summary>The z with P(Z &gt; z) = <paramref name="q"/>, e.g. 1.959964 for q = 0.025.</summary>
    public static double UpperQuantile(double q) => Math.Sqrt(2) * SpecialFunctions.ErfcInv(2 * q);

    /// <summary>The standard normal density.</summary>
    public static double Density(double z) => Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
}
