using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Quantiles;

/// <summary>
/// The per-unit sums behind a clustered quantile interval, gathered in a second pass over per-unit state once the
/// arm's quantile is known: for unit u, S_u = requests at or below the threshold and N_u = requests. The proportion
/// p̂ = ΣS_u / ΣN_u is a ratio metric, whose delta-method variance over units (Deng, Knoblich &amp; Lu, KDD 2018) is
/// Var(p̂) ≈ K / (K - 1) · Σ_u (S_u - p̂·N_u)² / (ΣN_u)² for K units.
/// </summary>
/// <remarks>
/// Mergeable: shards that own disjoint units each accumulate against the same <see cref="QuantileThreshold"/>
/// and the sums add up. Residuals are accumulated around the threshold's p (which equals p̂ when the units make
/// up the arm) so the sum of squares does not suffer from cancellation.
/// </remarks>
public sealed class ClusteredIndicatorSums
{
    private readonly BucketPosition _position;
    private long _units;
    private long _requests;
    private double _below;
    private double _residual;        // Σ D_u with D_u = S_u - p·N_u
    private double _residualSquares; // Σ D_u²
    private double _residualCross;   // Σ D_u·N_u
    private double _requestSquares;  // Σ N_u²

    /// <summary>Sums for the units of an arm whose quantile is <paramref name="threshold"/>.</summary>
    public ClusteredIndicatorSums(QuantileThreshold threshold)
    {
        Threshold = threshold;
        _position = threshold.Position;
    }

    /// <summary>The arm quantile whose indicator is summed.</summary>
    public QuantileThreshold Threshold { get; }

    /// <summary>Units added (K).</summary>
    public long Units => _units;

    /// <summary>Requests over all units added (ΣN_u).</summary>
    public long Requests => _requests;

    /// <summary>Requests at or below the threshold over all units (ΣS_u); fractional for the threshold's own bucket.</summary>
    public double RequestsAtOrBelow => _below;

    /// <summary>p̂ = ΣS_u / ΣN_u.</summary>
    public double Proportion => _requests == 0 ? double.NaN : _below / _requests;

    /// <summary>Adds one unit from its own histogram (requests in the threshold's bucket count pro rata).</summary>
    public void Add(LogHistogram unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (unit.Count > 0)
        {
            Add(unit.CountBelow(_position), unit.Count);
        }
        else
        {
            _units++;
        }
    }

    /// <summary>Adds one unit from its two counts, for callers that keep per-unit state in another form.</summary>
    public void Add(double requestsAtOrBelow, long requests)
    {
        if (requests < 0 || !(requestsAtOrBelow >= 0 && requestsAtOrBelow <= requests))
        {
            throw new ArgumentOutOfRangeException(nameof(requestsAtOrBelow), "Need 0 ≤ requests at or below ≤ requests.");
        }
        var residual = requestsAtOrBelow - Threshold.Probability * requests;
        _units++;
        _requests = checked(_requests + requests);
        _below += requestsAtOrBelow;
        _residual += residual;
        _residualSquares += residual * residual;
        _residualCross += residual * requests;
        _requestSquares += (double)requests * requests;
    }

    /// <summary>Adds the sums of another shard computed against the same threshold.</summary>
    public void Merge(ClusteredIndicatorSums other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Threshold != Threshold)
        {
            throw new ArgumentException("Sums computed against different thresholds cannot be merged.", nameof(other));
        }
        _units += other._units;
        _requests = checked(_requests + other._requests);
        _below += other._below;
        _residual += other._residual;
        _residualSquares += other._residualSquares;
        _residualCross += other._residualCross;
        _requestSquares += other._requestSquares;
    }

    /// <summary>Delta-method variance of p̂ over units; NaN with fewer than two units or no requests.</summary>
    public double ProportionVariance()
    {
        if (_units < 2 || _requests == 0)
        {
            return double.NaN;
        }
        // Σ(S_u - p̂N_u)² = Σ(D_u - c·N_u)² with c = p̂ - p = ΣD_u / ΣN_u.
        var n = (double)_requests;
        var shift = _residual / n;
        var squares = _residualSquares - 2 * shift * _residualCross + shift * shift * _requestSquares;
        return Math.Max(0, squares) * _units / ((_units - 1) * n * n);
    }
}
