using Experiments.Statistics.Engine.Inference;
using MathNet.Numerics.Distributions;

namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>
/// Difference of one quantile between two independent arms: Δ = q̂_T - q̂_C with SE = √(SE_C² + SE_T²), a normal
/// interval and two-sided p-value; the relative effect Δ / q̂_C gets its standard error by the delta method,
/// √(SE_T² / q̂_C² + q̂_T²·SE_C² / q̂_C⁴). The arms' standard errors come from their outer intervals, request-level
/// (<see cref="RequestLevelQuantile"/>) or clustered (<see cref="ClusteredQuantile"/>).
/// </summary>
public static class QuantileDifference
{
    /// <summary>Compares treatment with control; <see cref="TestResult.ControlN"/> and TreatmentN are randomization units.</summary>
    public static TestResult Compare(QuantileEstimate control, QuantileEstimate treatment, double alpha = 0.05)
    {
        ArgumentNullException.ThrowIfNull(control);
        ArgumentNullException.ThrowIfNull(treatment);
        OrderStatisticInterval.ValidateAlpha(alpha);
        if (control.Probability != treatment.Probability)
        {
            throw new ArgumentException("Both arms must estimate the same quantile.", nameof(treatment));
        }
        var z = Normal.InvCDF(0, 1, 1 - alpha / 2);
        var c = control.Estimate;
        var t = treatment.Estimate;
        var difference = t - c;
        var standardError = Math.Sqrt(control.StandardError * control.StandardError + treatment.StandardError * treatment.StandardError);
        var pValue = standardError > 0 && double.IsFinite(standardError)
            ? 2 * Normal.CDF(0, 1, -Math.Abs(difference) / standardError)
            : standardError == 0 && difference != 0 ? 0 : 1;
        var relative = c != 0 ? difference / c : double.NaN;
        var relativeStandardError = Math.Sqrt(
            treatment.StandardError * treatment.StandardError / (c * c)
            + t * t * control.StandardError * control.StandardError / (c * c * c * c));
        return new TestResult(
            $"p{control.Probability * 100:0.###} difference ({control.Method})",
            c,
            t,
            control.Units,
            treatment.Units,
            difference,
            Interval(difference, standardError, z),
            relative,
            Interval(relative, relativeStandardError, z),
            pValue)
        {
            // The z behind the p-value, so every normal-theory test reports its statistic.
            Statistic = standardError > 0 && double.IsFinite(standardError) ? difference / standardError : double.NaN,
            DegreesOfFreedom = double.PositiveInfinity,
        };
    }

    private static ConfidenceInterval Interval(double estimate, double standardError, double z) =>
        double.IsFinite(standardError)
            ? new ConfidenceInterval(estimate - z * standardError, estimate + z * standardError)
            : ConfidenceInterval.Unbounded;
}
