using Experiments.Statistics.Engine.Aggregation;

namespace Experiments.Statistics.Dapr;

/// <summary>
/// Dapr mode's holding area for request, activity and custom-metric events whose unit no experiment has seen exposed
/// yet. Pub/sub does not keep a unit's events in order (Redis Streams delivers to several handlers at once, each event
/// its own CloudEvent), so a unit's events can arrive before its exposure; the engine attributes events only to exposed
/// units, and such events would be lost. They are held here, keyed by every unit id they carry (user, session,
/// request), and handed back when an exposure of one of those units is applied.
/// </summary>
/// <remarks>
/// Bounded by count (<see cref="DaprOptions.MaxPendingEvents"/>) and by age since arrival
/// (<see cref="DaprOptions.PendingWindow"/>): the oldest go first, are counted in <see cref="Evicted"/> and dropped, as
/// every such event was before. Held events live in memory only: they are not in the checkpoint, and a restart loses
/// them (their message was already answered SUCCESS), exactly as they were lost before they were held. Not
/// thread-safe: the shard calls it under its lock.
/// </remarks>
internal sealed class PendingEvents
{
    private readonly int _capacity;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly LinkedList<Entry> _order = new(); // oldest first
    private readonly Dictionary<(RandomizationUnitKind Kind, string Id), List<LinkedListNode<Entry>>> _byUnit = [];

    public PendingEvents(int capacity, TimeSpan window, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentNullException.ThrowIfNull(time);
        _capacity = capacity;
        _window = window;
        _time = time;
    }

    /// <summary>Events held.</summary>
    public int Count => _order.Count;

    /// <summary>Events dropped unattributed: evicted for room or age before their unit's exposure arrived.</summary>
    public long Evicted { get; private set; }

    /// <summary>Holds an event (evicting the oldest first when full).</summary>
    public void Add(in TelemetryEvent e)
    {
        var now = _time.GetTimestamp();
        Prune(now, _capacity - 1);
        if (_capacity == 0)
        {
            Evicted++;
            return;
        }
        var node = _order.AddLast(new Entry(e, now));
        Index(RandomizationUnitKind.User, e.UserId, node);
        Index(RandomizationUnitKind.Session, e.SessionId, node);
        Index(RandomizationUnitKind.Request, e.RequestId, node);
    }

    /// <summary>Removes and returns the events held for a unit, oldest first, after evicting those past the window.</summary>
    public List<TelemetryEvent> Take(RandomizationUnitKind kind, string unitId)
    {
        Prune(_time.GetTimestamp(), _capacity);
        if (!_byUnit.TryGetValue((kind, unitId), out var nodes))
        {
            return [];
        }
        var events = new List<TelemetryEvent>(nodes.Count);
        foreach (var node in nodes.ToArray())
        {
            events.Add(node.Value.Event);
            Remove(node);
        }
        return events;
    }

    /// <summary>Evicts events older than the window, then the oldest until at most <paramref name="keep"/> remain.</summary>
    private void Prune(long now, int keep)
    {
        while (_order.First is { } oldest && (_order.Count > keep || _time.GetElapsedTime(oldest.Value.Arrived, now) > _window))
        {
            Remove(oldest);
            Evicted++;
        }
    }

    private void Index(RandomizationUnitKind kind, string? id, LinkedListNode<Entry> node)
    {
        if (id is not { Length: > 0 })
        {
            return;
        }
        if (!_byUnit.TryGetValue((kind, id), out var nodes))
        {
            _byUnit[(kind, id)] = nodes = [];
        }
        nodes.Add(node);
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        var e = node.Value.Event;
        Unindex(RandomizationUnitKind.User, e.UserId, node);
        Unindex(RandomizationUnitKind.Session, e.SessionId, node);
        Unindex(RandomizationUnitKind.Request, e.RequestId, node);
        _order.Remove(node);
    }

    private void Unindex(RandomizationUnitKind kind, string? id, LinkedListNode<Entry> node)
    {
        if (id is { Length: > 0 } && _byUnit.TryGetValue((kind, id), out var nodes) && nodes.Remove(node) && nodes.Count == 0)
        {
            _byUnit.Remove((kind, id));
        }
    }

    private sealed record Entry(TelemetryEvent Event, long Arrived);
}
