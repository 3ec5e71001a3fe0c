using Experiments.Statistics.Engine.Inference;
using Experiments.Statistics.Engine.Sequential;

namespace Experiments.Statistics.Engine.Verdicts;

/// <summary>
/// Sample size for the always-valid test: the units per arm at which an effect of the MDE lies outside the
/// confidence sequence with the target power when looked at then (earlier looks only add chances to detect it).
/// </summary>
/// <remarks>
/// With n units per arm (equal arms), σ² the per-unit variance and N = 2n, the estimate's standard error is
/// s = σ√(2/n) and the sequence's half-width is c(N)·s, where c(N) = √(2(Nρ²+1)/(Nρ²)·ln(√(Nρ²+1)/α)) does not
/// depend on σ. Power at the look is Φ(δ/s − c) + Φ(−δ/s − c), increasing in n: bisection on n.
/// </remarks>
public static class SequentialPower
{
    /// <summary>Units per arm for power <paramref name="power"/> against an absolute effect <paramref name="effect"/>.</summary>
    public static long RequiredUnitsPerArm(NormalMixtureConfidenceSequence sequence, double effect, double unitVariance, double power)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        return effect != 0 && unitVariance > 0 && double.IsFinite(effect) && double.IsFinite(unitVariance)
            ? Solve(n => PowerAt(sequence, effect, unitVariance, n), power)
            : 0;
    }

    /// <summary>
    /// Units per arm at which an unharmed KPI (true effect 0) is shown within a non-inferiority
    /// <paramref name="margin"/> (same scale as the variance) with probability <paramref name="power"/>.
    /// </summary>
    public static long RequiredUnitsForNonInferiority(NormalMixtureConfidenceSequence sequence, double margin, double unitVariance, double power)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        return margin != 0 && unitVariance > 0 && double.IsFinite(margin) && double.IsFinite(unitVariance)
            ? Solve(n => NonInferiorityPowerAt(sequence, margin, unitVariance, n), power)
            : 0;
    }

    /// <summary>
    /// Probability that, with no true effect, the sequence's harmful bound lies inside <paramref name="margin"/> at the
    /// look with <paramref name="unitsPerArm"/> units per arm: Φ(|margin|/s − c).
    /// </summary>
    public static double NonInferiorityPowerAt(NormalMixtureConfidenceSequence sequence, double margin, double unitVariance, long unitsPerArm)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        var variance = 2 * unitVariance / unitsPerArm;
        var standardError = Math.Sqrt(variance);
        var critical = sequence.HalfWidth(variance, 2 * unitsPerArm) / standardError;
        return StandardNormal.UpperTail(critical - Math.Abs(margin) / standardError);
    }

    /// <summary>
    /// Units per arm at which SHIP is reached with probability <paramref name="power"/>: the primary's effect
    /// <paramref name="effect"/> detected and every guardrail, unharmed, shown within its margin. The KPIs are taken
    /// as independent, so the probability is the product of the single ones (correlated KPIs need fewer units).
    /// </summary>
    public static long RequiredUnitsToShip(NormalMixtureConfidenceSequence sequence, double effect, double unitVariance,
        IReadOnlyList<(double Margin, double UnitVariance)> guardrails, double power)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(guardrails);
        return effect != 0 && unitVariance > 0 && double.IsFinite(effect) && double.IsFinite(unitVariance)
            ? Solve(n => ShipPowerAt(sequence, effect, unitVariance, guardrails, n), power)
            : 0;
    }

    /// <summary>The probability of SHIP at the look with <paramref name="unitsPerArm"/> units per arm (see <see cref="RequiredUnitsToShip"/>).</summary>
    public static double ShipPowerAt(NormalMixtureConfidenceSequence sequence, double effect, double unitVariance,
        IReadOnlyList<(double Margin, double UnitVariance)> guardrails, long unitsPerArm)
    {
        ArgumentNullException.ThrowIfNull(guardrails);
        var probability = PowerAt(sequence, effect, unitVariance, unitsPerArm);
        foreach (var (margin, variance) in guardrails)
        {
            probability *= NonInferiorityPowerAt(sequence, margin, variance, unitsPerArm);
        }
        return probability;
    }

    // Power increases in n: doubling to bracket, then bisection.
    private static long Solve(Func<long, double> powerAt, double power)
    {
        long low = 1, high = 2;
        while (powerAt(high) < power)
        {
            high *= 2;
            if (high > 1L << 50)
            {
                return long.MaxValue;
            }
        }
        while (high - low > 1)
        {
            var mid = low + (high - low) / 2;
            if (powerAt(mid) >= power)
            {
                high = mid;
            }
            else
            {
                low = mid;
            }
        }
        return high;
    }

    /// <summary>Probability that the sequence excludes 0 at the look with <paramref name="unitsPerArm"/> units per arm.</summary>
    public static double PowerAt(NormalMixtureConfidenceSequence sequence, double effect, double unitVariance, long unitsPerArm)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        var variance = 2 * unitVariance / unitsPerArm;
        var halfWidth = sequence.HalfWidth(variance, 2 * unitsPerArm);
        var standardError = Math.Sqrt(variance);
        var drift = Math.Abs(effect) / standardError;
        var critical = halfWidth / standardError;
        return StandardNormal.UpperTail(critical - drift) + StandardNormal.UpperTail(critical + drift);
    }
}
