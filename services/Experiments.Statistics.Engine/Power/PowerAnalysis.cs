using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Power;

/// <summary>
/// Power and sample size for a two-sided two-sample z-test of a difference in means, as statsmodels
/// NormalIndPower: both arms share the baseline variance σ², the standardized effect is d = δ/σ, and with
/// n_C control and n_T = r·n_C treatment units the power is
/// Φ(d·√n_eff − z₁₋α/₂) + Φ(−d·√n_eff − z₁₋α/₂), n_eff = 1/(1/n_C + 1/n_T).
/// </summary>
/// <remarks>
/// Both tails count (a significant result in the wrong direction is still a rejection), so the solution is
/// found numerically rather than from the one-tail closed form 2(z₁₋α/₂ + z₁₋β)²σ²/δ², which it undercuts by
/// a hair. The normal test is the large-sample form of every test in this engine; for ratio metrics pass the
/// linearized unit variance (<see cref="Ratios.RatioMetricStatistics.LinearizedUnitVariance"/>), for rates p(1 − p).
/// </remarks>
public static class PowerAnalysis
{
    /// <summary>
    /// Units per arm for a two-sided test at level <paramref name="alpha"/> to detect a relative change of
    /// <paramref name="relativeMde"/> (0.02 = 2%) from <paramref name="baselineMean"/> with probability <paramref name="power"/>.
    /// </summary>
    /// <param name="baselineMean">The control mean (non-zero).</param>
    /// <param name="baselineVariance">The per-unit variance of the metric (positive).</param>
    /// <param name="relativeMde">Minimum detectable effect relative to the baseline mean (positive).</param>
    /// <param name="alpha">Two-sided significance level.</param>
    /// <param name="power">Probability of a significant result when the effect equals the MDE; must exceed alpha.</param>
    /// <param name="allocationRatio">Treatment units per control unit (1 for an even split).</param>
    public static SampleSizePlan RequiredUnitsPerArm(
        double baselineMean, double baselineVariance, double relativeMde,
        double alpha = 0.05, double power = 0.8, double allocationRatio = 1)
    {
        if (baselineMean == 0 || !double.IsFinite(baselineMean))
        {
            throw new ArgumentOutOfRangeException(nameof(baselineMean), baselineMean, "A relative effect needs a finite non-zero baseline.");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baselineVariance);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(relativeMde);
        var absoluteEffect = relativeMde * Math.Abs(baselineMean);
        var standardized = absoluteEffect / Math.Sqrt(baselineVariance);
        var exact = RequiredControlUnits(standardized, alpha, power, allocationRatio);
        return new SampleSizePlan(exact, CeilingToLong(exact), CeilingToLong(exact * allocationRatio), absoluteEffect, standardized);
    }

    /// <summary>
    /// The real-valued number of control units (treatment: × <paramref name="allocationRatio"/>) at which the
    /// two-sided test of standardized effect <paramref name="standardizedEffect"/> has power <paramref name="power"/>.
    /// </summary>
    public static double RequiredControlUnits(double standardizedEffect, double alpha = 0.05, double power = 0.8, double allocationRatio = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(standardizedEffect);
        ValidateDesign(alpha, power, allocationRatio);
        var drift = RequiredDrift(alpha, power);
        // drift = d·√n_eff and n_eff = n_C·r/(1 + r).
        return drift * drift / (standardizedEffect * standardizedEffect) * (1 + allocationRatio) / allocationRatio;
    }

    /// <summary>The power of the two-sided test with <paramref name="controlUnits"/> control units.</summary>
    public static double Power(double standardizedEffect, double controlUnits, double alpha = 0.05, double allocationRatio = 1)
    {
        SignificanceLevel.Validate(alpha);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(controlUnits);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(allocationRatio);
        var drift = Math.Abs(standardizedEffect) * Math.Sqrt(EffectiveUnits(controlUnits, allocationRatio));
        var critical = StandardNormal.UpperQuantile(alpha / 2);
        return StandardNormal.UpperTail(critical - drift) + StandardNormal.UpperTail(critical + drift);
    }

    /// <summary>
    /// The smallest relative effect the test detects with probability <paramref name="power"/> given
    /// <paramref name="controlUnits"/> control units — what an experiment of that size can promise.
    /// </summary>
    public static double MinimumDetectableRelativeEffect(
        double baselineMean, double baselineVariance, double controlUnits,
        double alpha = 0.05, double power = 0.8, double allocationRatio = 1)
    {
        if (baselineMean == 0 || !double.IsFinite(baselineMean))
        {
            throw new ArgumentOutOfRangeException(nameof(baselineMean), baselineMean, "A relative effect needs a finite non-zero baseline.");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baselineVariance);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(controlUnits);
        ValidateDesign(alpha, power, allocationRatio);
        var standardized = RequiredDrift(alpha, power) / Math.Sqrt(EffectiveUnits(controlUnits, allocationRatio));
        return standardized * Math.Sqrt(baselineVariance) / Math.Abs(baselineMean);
    }

    private static double EffectiveUnits(double controlUnits, double allocationRatio) =>
        controlUnits * allocationRatio / (1 + allocationRatio);

    // The drift u = d·√n_eff solving Φ(u − z) + Φ(−u − z) = power, z = z₁₋α/₂. Newton from the one-tail
    // solution u₀ = z + z_power: the far tail is tiny, so u₀ is already close, and the power curve is
    // smooth and increasing in u > 0, so a few steps reach full precision.
    private static double RequiredDrift(double alpha, double power)
    {
        var critical = StandardNormal.UpperQuantile(alpha / 2);
        var drift = critical + StandardNormal.UpperQuantile(1 - power);
        for (var iteration = 0; iteration < 100; iteration++)
        {
            var achieved = StandardNormal.UpperTail(critical - drift) + StandardNormal.UpperTail(critical + drift);
            var slope = StandardNormal.Density(drift - critical) - StandardNormal.Density(drift + critical);
            var step = (achieved - power) / slope;
            drift -= step;
            if (Math.Abs(step) <= 1e-16 * drift)
            {
                break;
            }
        }
        return drift;
    }

    private static void ValidateDesign(double alpha, double power, double allocationRatio)
    {
        SignificanceLevel.Validate(alpha);
        SignificanceLevel.Validate(power);
        if (power <= alpha)
        {
            throw new ArgumentOutOfRangeException(nameof(power), power, "Power must exceed alpha: any test reaches alpha with no data.");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(allocationRatio);
    }

    private static long CeilingToLong(double value) => (long)Math.Ceiling(value);
}
