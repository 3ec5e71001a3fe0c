using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Ratios;

/// <summary>
/// Per-arm sufficient statistics of a ratio metric Σx/Σy over randomization units, where x is a unit's
/// numerator (latency sum, error count) and y its denominator (request count): n, Σx, Σy, Σx², Σy², Σxy.
/// Immutable and additive, so shards accumulate their own units and <see cref="Merge"/> combines them.
/// </summary>
/// <remarks>
/// <para>
/// Requests nested in a user are correlated, so the ratio's variance must be computed over units, not
/// requests. With per-unit means μ_x, μ_y, (co)variances σ²_x, σ²_y, σ_xy, the delta method
/// (Deng, Knoblich &amp; Lu, "Applying the Delta Method in Metric Analytics", KDD 2018, arXiv 1803.06336, ratio metrics)
/// gives Var(x̄/ȳ) ≈ (1/n)·(σ²_x/μ²_y − 2·μ_x·σ_xy/μ³_y + μ²_x·σ²_y/μ⁴_y).
/// </para>
/// <para>
/// (Co)variances use denominator n − 1; the paper's asymptotics do not distinguish it from n. They are
/// formed from raw sums (Σx² − (Σx)²/n), which is what makes the statistics mergeable by addition; that
/// loses about log₁₀(1 + μ²/σ²) digits, negligible unless a unit metric's mean dwarfs its spread by
/// many orders of magnitude.
/// </para>
/// </remarks>
public readonly record struct RatioMetricStatistics(
    long Units,
    double SumNumerator,
    double SumDenominator,
    double SumNumeratorSquares,
    double SumDenominatorSquares,
    double SumCrossProducts)
{
    /// <summary>The statistics with one more unit whose totals are <paramref name="numerator"/> and <paramref name="denominator"/>.</summary>
    public RatioMetricStatistics Add(double numerator, double denominator) => new(
        Units + 1,
        SumNumerator + numerator,
        SumDenominator + denominator,
        SumNumeratorSquares + numerator * numerator,
        SumDenominatorSquares + denominator * denominator,
        SumCrossProducts + numerator * denominator);

    /// <summary>The statistics of both sets of units (disjoint units: a unit's requests must not be split across shards).</summary>
    public RatioMetricStatistics Merge(RatioMetricStatistics other) => new(
        Units + other.Units,
        SumNumerator + other.SumNumerator,
        SumDenominator + other.SumDenominator,
        SumNumeratorSquares + other.SumNumeratorSquares,
        SumDenominatorSquares + other.SumDenominatorSquares,
        SumCrossProducts + other.SumCrossProducts);

    /// <summary>Σx/Σy, e.g. mean latency per request or errors per request.</summary>
    public double Ratio => SumNumerator / SumDenominator;

    /// <summary>Per-unit mean of the numerator, μ_x.</summary>
    public double NumeratorMean => SumNumerator / Units;

    /// <summary>Per-unit mean of the denominator, μ_y.</summary>
    public double DenominatorMean => SumDenominator / Units;

    /// <summary>Per-unit variance of the numerator, σ²_x (denominator n − 1).</summary>
    public double NumeratorVariance => (SumNumeratorSquares - SumNumerator * SumNumerator / Units) / (Units - 1);

    /// <summary>Per-unit variance of the denominator, σ²_y (denominator n − 1).</summary>
    public double DenominatorVariance => (SumDenominatorSquares - SumDenominator * SumDenominator / Units) / (Units - 1);

    /// <summary>Per-unit covariance of numerator and denominator, σ_xy (denominator n − 1).</summary>
    public double Covariance => (SumCrossProducts - SumNumerator * SumDenominator / Units) / (Units - 1);

    /// <summary>The delta-method variance of <see cref="Ratio"/> as an estimator (its squared standard error).</summary>
    public double RatioVariance
    {
        get
        {
            var mx = NumeratorMean;
            var my = DenominatorMean;
            var my2 = my * my;
            var variance = (NumeratorVariance / my2 - 2 * mx * Covariance / (my2 * my) + mx * mx * DenominatorVariance / (my2 * my2)) / Units;
            // Exact collinearity (x ∝ y in every unit) can leave −ε after rounding.
            return Math.Max(0, variance);
        }
    }

    /// <summary>
    /// The per-unit variance of the linearized metric, n·Var(ratio): the "baseline variance" to plan sample
    /// sizes for this ratio with <see cref="Power.PowerAnalysis"/>.
    /// </summary>
    public double LinearizedUnitVariance => RatioVariance * Units;

    /// <summary>The ratio as an estimate with its delta-method variance.</summary>
    public ArmEstimate ToEstimate() => new(Ratio, RatioVariance, Units);
}
