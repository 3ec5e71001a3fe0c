using System.Runtime.CompilerServices;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>
/// All experiments of one shard: routes each event to the experiments it belongs to (exposures by experiment id,
/// everything else by unit id), after dropping repeated event ids. Not thread-safe: one applying thread per shard.
/// </summary>
public sealed class ShardAggregator
{
    private readonly Dictionary<string, ExperimentAggregator> _experiments = new(StringComparer.Ordinal);
    private ExperimentAggregator[] _list = [];

    /// <param name="eventIdWindow">Capacity of each generation of the event-id window.</param>
    public ShardAggregator(int eventIdWindow = 1_000_000)
    {
        EventIds = new EventIdWindow(eventIdWindow);
    }

    /// <summary>Recently seen event ids.</summary>
    public EventIdWindow EventIds { get; }

    /// <summary>Events applied to at least one experiment.</summary>
    public long Applied { get; private set; }

    /// <summary>Events dropped as duplicates.</summary>
    public long Duplicates { get; private set; }

    /// <summary>The experiments held.</summary>
    public IReadOnlyCollection<ExperimentAggregator> Experiments => _experiments.Values;

    /// <summary>The experiment's state, or null.</summary>
    public ExperimentAggregator? Find(string experimentId) => _experiments.GetValueOrDefault(experimentId);

    /// <summary>
    /// Adds an experiment or updates its definition. State is kept when the arms and KPIs are unchanged (a new
    /// revision that changed only weights, horizon or rollout); otherwise the experiment starts over, since its
    /// old state answers other questions.
    /// </summary>
    public ExperimentAggregator Define(ExperimentDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (_experiments.TryGetValue(definition.Id, out var existing) && SameShape(existing.Definition, definition))
        {
            existing.Redefine(definition);
            return existing;
        }
        var aggregator = new ExperimentAggregator(definition);
        Replace(aggregator);
        return aggregator;
    }

    /// <summary>Adds restored state.</summary>
    public void Restore(ExperimentAggregator aggregator)
    {
        ArgumentNullException.ThrowIfNull(aggregator);
        Replace(aggregator);
    }

    /// <summary>Drops an experiment's state.</summary>
    public bool Remove(string experimentId)
    {
        var removed = _experiments.Remove(experimentId);
        _list = [.. _experiments.Values];
        return removed;
    }

    /// <summary>Applies one event; false when it is a duplicate or belongs to no experiment here.</summary>
    public bool Apply(in TelemetryEvent e)
    {
        if (!EventIds.TryAdd(StableHash.Of(e.EventId)))
        {
            Duplicates++;
            return false;
        }
        return Route(e);
    }

    /// <summary>
    /// Applies one event like <see cref="Apply"/>, telling why it was not applied: a duplicate, or a request, activity
    /// or custom-metric event whose unit no experiment here has seen exposed (<see cref="ApplyResult.UnknownUnit"/>),
    /// which a caller whose transport does not keep a unit's events in order may hold and <see cref="Reapply"/> once
    /// the unit's exposure is applied.
    /// </summary>
    public ApplyResult ApplyWithResult(in TelemetryEvent e)
    {
        if (!EventIds.TryAdd(StableHash.Of(e.EventId)))
        {
            Duplicates++;
            return ApplyResult.Duplicate;
        }
        return Classify(e, Route(e));
    }

    /// <summary>
    /// Applies an event that already passed the event-id window (through <see cref="ApplyWithResult"/>, which
    /// recorded its id) and was held: it is routed again without being checked or recorded as a duplicate.
    /// </summary>
    public ApplyResult Reapply(in TelemetryEvent e) => Classify(e, Route(e));

    /// <summary>Whether an experiment here has seen the unit of a request, activity or custom-metric event exposed.</summary>
    public bool KnowsUnit(in TelemetryEvent e)
    {
        foreach (var experiment in _list)
        {
            if (e.UnitId(experiment.Definition.Unit) is { Length: > 0 } unitId && experiment.Knows(StableHash.Of(unitId)))
            {
                return true;
            }
        }
        return false;
    }

    private ApplyResult Classify(in TelemetryEvent e, bool applied) =>
        applied ? ApplyResult.Applied
        : e.Kind != TelemetryKind.Exposure && !KnowsUnit(e) ? ApplyResult.UnknownUnit
        : ApplyResult.NotAttributed;

    // Inlined so that Apply, the local mode's per-event path, costs what it did before Route was shared.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Route(in TelemetryEvent e)
    {
        var applied = false;
        if (e.Kind == TelemetryKind.Exposure)
        {
            if (e.ExperimentId is { } id && e.VariantKey is { } variant && _experiments.TryGetValue(id, out var experiment)
                && e.UnitId(experiment.Definition.Unit) is { Length: > 0 } unitId)
            {
                applied = experiment.Expose(StableHash.Of(unitId), variant, e.TimeUnixMs);
            }
        }
        else
        {
            ulong user = 0, session = 0, request = 0;
            foreach (var experiment in _list)
            {
                var unit = experiment.Definition.Unit;
                ref var hash = ref unit == RandomizationUnitKind.User ? ref user : ref unit == RandomizationUnitKind.Session ? ref session : ref request;
                if (hash == 0)
                {
                    if (e.UnitId(unit) is not { Length: > 0 } unitId)
                    {
                        continue;
                    }
                    hash = StableHash.Of(unitId);
                }
                applied |= experiment.Apply(hash, e);
            }
        }
        if (applied)
        {
            Applied++;
        }
        return applied;
    }

    private void Replace(ExperimentAggregator aggregator)
    {
        _experiments[aggregator.Definition.Id] = aggregator;
        _list = [.. _experiments.Values];
    }

    private static bool SameShape(ExperimentDefinition a, ExperimentDefinition b) =>
        a.Unit == b.Unit
        && a.Variants.Select(v => v.Key).SequenceEqual(b.Variants.Select(v => v.Key))
        && a.Metrics.SequenceEqual(b.Metrics);
}
