namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>
/// Drops repeated event ids within a bounded window: the last <see cref="Capacity"/> to 2 × <see cref="Capacity"/>
/// distinct ids are remembered (two generations of hashes; the older is discarded when the newer fills).
/// </summary>
/// <remarks>
/// Exact, unbounded idempotency comes from log positions: the service ignores anything at or below a (log,
/// partition)'s applied position, and checkpoints positions with the state. This window catches what positions
/// cannot: the same event reaching statistics twice through different logs (a reporter retrying against another
/// ingestion replica) or twice within one log. A duplicate further apart than the window is counted twice.
/// </remarks>
public sealed class EventIdWindow
{
    private HashSet<ulong> _current;
    private HashSet<ulong> _previous;

    /// <param name="capacity">Ids per generation (default 1,000,000: ≈ 40 MB at most).</param>
    public EventIdWindow(int capacity = 1_000_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _current = new HashSet<ulong>(Math.Min(capacity, 1 << 16));
        _previous = [];
    }

    /// <summary>Ids per generation.</summary>
    public int Capacity { get; }

    /// <summary>Ids remembered now.</summary>
    public int Count => _current.Count + _previous.Count;

    /// <summary>
    /// Whether ids added are also kept in order until <see cref="TakeAdded"/>, so a checkpoint can store only the ids
    /// added since the previous one (replaying them with <see cref="TryAdd"/> rebuilds the same window).
    /// </summary>
    public bool TrackAdditions { get; set; }

    private List<ulong> _added = [];

    /// <summary>Ids added since the last call, in order (when <see cref="TrackAdditions"/> is on).</summary>
    public List<ulong> TakeAdded()
    {
        var added = _added;
        _added = [];
        return added;
    }

    /// <summary>Records <paramref name="idHash"/>; false when it was already seen within the window.</summary>
    public bool TryAdd(ulong idHash)
    {
        if (_previous.Contains(idHash) || !_current.Add(idHash))
        {
            return false;
        }
        if (TrackAdditions)
        {
            _added.Add(idHash);
        }
        if (_current.Count >= Capacity)
        {
            _previous = _current;
            _current = new HashSet<ulong>(Math.Min(Capacity, 1 << 16));
        }
        return true;
    }

    /// <summary>The older generation of ids (for checkpoints).</summary>
    public IReadOnlyCollection<ulong> PreviousIds => _previous;

    /// <summary>The newer generation of ids (for checkpoints).</summary>
    public IReadOnlyCollection<ulong> CurrentIds => _current;

    /// <summary>Replaces the window with checkpointed generations.</summary>
    public void Restore(IEnumerable<ulong> previous, IEnumerable<ulong> current)
    {
        _previous = [.. previous];
        _current = [.. current];
        _added = [];
    }
}
