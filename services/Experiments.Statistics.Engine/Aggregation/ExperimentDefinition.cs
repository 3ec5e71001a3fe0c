using Experiments.Statistics.Engine.MultipleTesting;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>What the engine needs to know about an experiment: its arms, its unit, its KPIs and how they are judged.</summary>
/// <param name="Id">Experiment id; exposures name it.</param>
/// <param name="Revision">Definition revision, copied into verdicts.</param>
/// <param name="Unit">The randomization unit, which decides the tests (DESIGN §5).</param>
/// <param name="Variants">The arms, in the experiment's order.</param>
/// <param name="Metrics">The KPIs, in the experiment's order.</param>
public sealed record ExperimentDefinition(
    string Id,
    long Revision,
    RandomizationUnitKind Unit,
    IReadOnlyList<VariantDefinition> Variants,
    IReadOnlyList<MetricDefinition> Metrics)
{
    /// <summary>Significance level for every KPI.</summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>Relative minimum detectable effect (0.02 = 2%), unless a KPI overrides it.</summary>
    public double MinimumDetectableEffect { get; init; } = 0.05;

    /// <summary>Planned power at the MDE.</summary>
    public double Power { get; init; } = 0.8;

    /// <summary>Multiple-testing correction across KPIs; null means none.</summary>
    public MultipleTestingMethod? Correction { get; init; } = MultipleTestingMethod.Holm;

    /// <summary>N* of the confidence sequences (units, all arms); 0 means derived (<see cref="TuningSampleSize"/>).</summary>
    public long SequentialNStar { get; init; }

    /// <summary>
    /// The data are analysed once, at a size not chosen by looking (a replay of recorded traffic): decisions read the
    /// fixed-horizon normal interval instead of the confidence sequence, which pays for being read at every look with
    /// an interval about 1.5 times as wide. Never for a live experiment, whose verdict is read whenever someone looks.
    /// </summary>
    public bool SingleLook { get; init; }

    /// <summary>Whether a guardrail breach stops the experiment.</summary>
    public bool AutoRollback { get; init; }

    /// <summary>When the experiment started; null while it has not.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>When it stopped; null while running.</summary>
    public DateTimeOffset? StopTime { get; init; }

    /// <summary>Planned running time; null when open-ended.</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>Planned enrolment, all arms; 0 when open-ended.</summary>
    public long MaxUnits { get; init; }

    /// <summary>Units (both arms of a comparison) at which the always-valid intervals are tightest: N*, else the planned enrolment, else 10,000.</summary>
    /// <remarks>
    /// It must not depend on the data (that would void the time-uniform guarantee), so it is not taken from a
    /// power analysis on observed variances; 10,000 keeps the intervals within ~10% of their tightest width
    /// between a few thousand and a few hundred thousand units.
    /// </remarks>
    public double TuningSampleSize => SequentialNStar > 0 ? SequentialNStar : MaxUnits > 0 ? MaxUnits : DefaultTuningSampleSize;

    /// <summary>N* when neither the experiment nor its horizon gives one.</summary>
    public const long DefaultTuningSampleSize = 10_000;

    /// <summary>Index of the control arm in <see cref="Variants"/>.</summary>
    public int ControlIndex
    {
        get
        {
            for (var i = 0; i < Variants.Count; i++)
            {
                if (Variants[i].IsControl)
                {
                    return i;
                }
            }
            return 0;
        }
    }

    /// <summary>Index of the variant with key <paramref name="key"/>, or -1.</summary>
    public int VariantIndex(string key)
    {
        for (var i = 0; i < Variants.Count; i++)
        {
            if (string.Equals(Variants[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }
}
