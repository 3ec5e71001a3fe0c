using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Sequential;

/// <summary>
/// Always-valid inference for a difference (or relative difference) of means: the two-sided asymptotic
/// normal-mixture confidence sequence. Its intervals cover the true effect at every look simultaneously
/// with probability ≥ 1 − α, so results may be read — and experiments stopped — as often as users like.
/// </summary>
/// <remarks>
/// <para>
/// Robbins' normal mixture (Howard, Ramdas, McAuliffe &amp; Sekhon, arXiv 1810.08240) in the asymptotic form of
/// Waudby-Smith et al., "Time-uniform central limit theory and asymptotic confidence sequences"
/// (arXiv 2103.06476v7, eq. 9), as GrowthBook documents it (docs.growthbook.io/statistics/sequential) for an
/// estimate θ̂ with variance V after N units in both arms together:
/// </para>
/// <code>
///   s² = N·V                                          (per-unit variance on the paper's scale)
///   θ̂ ± s·√( 2(Nρ² + 1) / (N²ρ²) · ln(√(Nρ² + 1) / α) )
///   ρ  = √( (−2 ln α + ln(−2 ln α + 1)) / N* )        (eq. 161: the width is minimised near N = N*)
/// </code>
/// <para>
/// The always-valid p-value is the smallest α′ whose sequence (with ρ fixed by the configured α and N*)
/// excludes 0. Solving |θ̂| = half-width(α′) for α′:
/// </para>
/// <code>
///   p = min(1, √(Nρ² + 1) · exp( −Nρ²·θ̂² / (2V(Nρ² + 1)) ))
/// </code>
/// <para>
/// — the reciprocal of the mixture martingale (an e-value), so p ≤ α exactly when the interval at the
/// configured α excludes 0. Validity is asymptotic (it needs the central limit theorem at each look), and it
/// holds for any stopping rule. Callers may additionally keep the running intersection of intervals and
/// the running minimum of p-values, which stay valid.
/// </para>
/// </remarks>
public sealed class NormalMixtureConfidenceSequence : IEffectInference
{
    /// <summary>The test name reported in <see cref="TestResult.TestName"/>.</summary>
    public const string Name = "normal-mixture confidence sequence";

    public string IntervalKind => "always-valid";

    /// <param name="tuningSampleSize">
    /// N*: the total number of units (both arms) at which the intervals should be tightest — typically the
    /// planned sample size of the first look at which a decision is expected. Fixed per experiment: changing it
    /// after looking at results voids the guarantee.
    /// </param>
    /// <param name="alpha">The probability, over the whole experiment, that any interval misses the effect.</param>
    public NormalMixtureConfidenceSequence(double tuningSampleSize, double alpha = 0.05)
    {
        if (!(tuningSampleSize > 0) || !double.IsFinite(tuningSampleSize))
        {
            throw new ArgumentOutOfRangeException(nameof(tuningSampleSize), tuningSampleSize, "N* must be a positive number of units.");
        }
        SignificanceLevel.Validate(alpha);
        TuningSampleSize = tuningSampleSize;
        Alpha = alpha;
        var logAlpha = Math.Log(alpha);
        Rho = Math.Sqrt((-2 * logAlpha + Math.Log(-2 * logAlpha + 1)) / tuningSampleSize);
    }

    /// <summary>N*, the total units at which the intervals are tightest.</summary>
    public double TuningSampleSize { get; }

    /// <summary>The error probability over all looks.</summary>
    public double Alpha { get; }

    /// <summary>The mixing parameter ρ derived from N* and α.</summary>
    public double Rho { get; }

    /// <summary>The half-width of the interval for an estimate with variance <paramref name="variance"/> after <paramref name="totalUnits"/> units.</summary>
    public double HalfWidth(double variance, long totalUnits) => HalfWidth(variance, totalUnits, Alpha);

    /// <summary>
    /// The half-width at level 1 − <paramref name="level"/> with ρ kept at the configured α and N* (a smaller
    /// level is what a multiple-testing correction spends on one comparison). Dual to <see cref="PValue"/>:
    /// |θ̂| ≥ half-width exactly when p ≤ <paramref name="level"/>.
    /// </summary>
    public double HalfWidth(double variance, long totalUnits, double level)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalUnits);
        SignificanceLevel.Validate(level);
        double n = totalUnits;
        var nRho2 = n * Rho * Rho;
        var perUnitVariance = n * variance;
        return Math.Sqrt(perUnitVariance * 2 * (nRho2 + 1) / (n * nRho2) * Math.Log(Math.Sqrt(nRho2 + 1) / level));
    }

    /// <summary>The always-valid interval for <paramref name="effect"/> after <paramref name="totalUnits"/> units.</summary>
    public ConfidenceInterval Interval(EffectEstimate effect, long totalUnits) => Interval(effect, totalUnits, Alpha);

    /// <summary>The always-valid interval at level 1 − <paramref name="level"/> (ρ from the configured α and N*).</summary>
    public ConfidenceInterval Interval(EffectEstimate effect, long totalUnits, double level) =>
        double.IsFinite(effect.Value) && double.IsFinite(effect.Variance)
            ? ConfidenceInterval.Around(effect.Value, HalfWidth(effect.Variance, totalUnits, level))
            : ConfidenceInterval.Unbounded;

    /// <summary>The always-valid p-value for H₀: effect = 0.</summary>
    public double PValue(EffectEstimate effect, long totalUnits)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalUnits);
        if (double.IsNaN(effect.Value) || double.IsNaN(effect.Variance))
        {
            return double.NaN;
        }
        if (effect.Variance == 0)
        {
            return effect.Value == 0 ? 1 : 0;
        }
        double n = totalUnits;
        var nRho2 = n * Rho * Rho;
        var z2 = effect.Value * effect.Value / effect.Variance;
        // In logs: the exponent reaches −745 (underflow) long before the prefactor matters.
        var logP = 0.5 * Math.Log(nRho2 + 1) - nRho2 * z2 / (2 * (nRho2 + 1));
        return Math.Min(1.0, Math.Exp(logP));
    }

    /// <summary>
    /// Compares treatment with control: the always-valid interval of the difference, and the relative effect's
    /// interval and p-value on one scale (<see cref="RelativeScale"/>: the log ratio when both arms are positive),
    /// so the relative interval excludes 0 exactly when p ≤ α. N counts units in both arms.
    /// </summary>
    public TestResult Compare(ArmEstimate control, ArmEstimate treatment)
    {
        var totalUnits = control.Units + treatment.Units;
        var difference = EffectEstimate.Difference(control, treatment);
        var scale = RelativeScale.Of(control, treatment, this);
        var statistic = difference.Variance > 0 ? difference.Value / difference.StandardError : double.NaN;
        return new TestResult(Name, control.Value, treatment.Value, control.Units, treatment.Units,
            difference.Value, Interval(difference, totalUnits), scale.RelativeEffect, scale.Interval(Alpha),
            scale.PValue())
        {
            Statistic = statistic,
            DegreesOfFreedom = double.PositiveInfinity,
        };
    }
}
