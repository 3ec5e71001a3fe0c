namespace Experiments.Statistics.Engine.Proportions;

/// <summary>
/// The hypergeometric distribution of the number of "good" items among <c>draws</c> taken without replacement
/// from <c>population</c> items of which <c>good</c> are good, as probabilities relative to the mode.
/// </summary>
/// <remarks>
/// Relative probabilities come from the ratio recurrence p(k+1)/p(k) = (K−k)(N−k) / ((k+1)(M−K−N+k+1)),
/// walked outward from the mode where the relative probability is 1. Every factor is a quotient of two
/// products of integers (exact in a double below 2⁵³), so no log-gamma cancellation enters, and a p-value
/// is a ratio of two sums of these terms. Terms that underflow end the walk: the rest are smaller still.
/// </remarks>
internal sealed class Hypergeometric
{
    private readonly long _population;
    private readonly long _good;
    private readonly long _draws;

    public Hypergeometric(long population, long good, long draws)
    {
        _population = population;
        _good = good;
        _draws = draws;
        Minimum = Math.Max(0, draws - (population - good));
        Maximum = Math.Min(good, draws);
        // floor((N+1)(K+1)/(M+2)) is the mode; Int128 keeps the product exact for any long counts.
        var mode = (long)((Int128)(draws + 1) * (good + 1) / (population + 2));
        Mode = Math.Clamp(mode, Minimum, Maximum);
    }

    public long Minimum { get; }

    public long Maximum { get; }

    public long Mode { get; }

    /// <summary>p(k)/p(mode), by the same arithmetic as <see cref="RelativeProbabilities"/>.</summary>
    public double RelativeProbability(long k)
    {
        if (k < Minimum || k > Maximum)
        {
            return 0;
        }
        var probability = 1.0;
        for (var i = Mode; i < k && probability > 0; i++)
        {
            probability *= Up(i);
        }
        for (var i = Mode; i > k && probability > 0; i--)
        {
            probability *= Down(i);
        }
        return probability;
    }

    /// <summary>p(k)/p(mode) for every k with a representable value, the mode first, then upward, then downward.</summary>
    public IEnumerable<double> RelativeProbabilities()
    {
        yield return 1.0;
        var probability = 1.0;
        for (var k = Mode; k < Maximum; k++)
        {
            probability *= Up(k);
            if (probability == 0)
            {
                break;
            }
            yield return probability;
        }
        probability = 1.0;
        for (var k = Mode; k > Minimum; k--)
        {
            probability *= Down(k);
            if (probability == 0)
            {
                break;
            }
            yield return probability;
        }
    }

    // p(k+1)/p(k)
    private double Up(long k) =>
        (double)(_good - k) * (_draws - k) / ((double)(k + 1) * (_population - _good - _draws + k + 1));

    // p(k−1)/p(k), written with the same integer factors as Up at the mirrored point so that symmetric
    // distributions produce bit-identical mirrored terms.
    private double Down(long k) =>
        (double)k * (_population - _good - _draws + k) / ((double)(_good - k + 1) * (_draws - k + 1));
}
