using Experiments.Statistics.Engine.Inference;

namespace Experiments.Statistics.Engine.Proportions;

/// <summary>Successes out of trials in one arm (errors out of requests, retained out of exposed units).</summary>
public readonly record struct BinomialCounts
{
    /// <summary>Counts for one arm.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Counts are negative or successes exceed trials.</exception>
    public BinomialCounts(long successes, long trials)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        Successes = successes;
        Trials = trials;
    }

    /// <summary>Trials with the event (an error, a retained unit).</summary>
    public long Successes { get; }

    /// <summary>All trials (requests, exposed units).</summary>
    public long Trials { get; }

    /// <summary>Trials without the event.</summary>
    public long Failures => Trials - Successes;

    /// <summary>Successes / trials; NaN without trials.</summary>
    public double Rate => Trials > 0 ? (double)Successes / Trials : double.NaN;

    /// <summary>The rate as an estimate with the binomial variance p(1 − p)/n.</summary>
    public ArmEstimate ToEstimate() => new(Rate, Rate * (1 - Rate) / Trials, Trials);

    /// <summary>Both arms' counts added, for merging shards.</summary>
    public BinomialCounts Merge(BinomialCounts other) => new(Successes + other.Successes, Trials + other.Trials);
}
