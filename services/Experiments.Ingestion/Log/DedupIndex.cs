namespace Experiments.Ingestion.Log;

/// <summary>
/// The event ids (as 128-bit hashes) committed within the deduplication window. Ids are kept in
/// generations: the current one takes new ids; when it has spanned a quarter of the window, or holds its
/// share of <see cref="LogOptions.DedupMaxEntries"/>, it is closed and the oldest of five is forgotten.
/// So an id is remembered for at least the window, unless the entry cap forces the window shorter (then
/// <see cref="EffectiveWindow"/> says how long it really is). Used by the log writer thread only.
/// </summary>
internal sealed class DedupIndex
{
    private const int Generations = 5;

    private readonly HashSet<UInt128> _ids;
    private readonly Queue<Generation> _closed = new();
    private readonly TimeSpan _span;
    private readonly long _entriesPerGeneration;
    private Generation _current;

    public DedupIndex(TimeSpan window, long maxEntries)
    {
        _span = window / (Generations - 1);
        _entriesPerGeneration = Math.Max(1, maxEntries / Generations);
        _ids = new HashSet<UInt128>((int)Math.Min(maxEntries, 1 << 20));
        _current = new Generation(DateTimeOffset.MinValue);
    }

    public int Count => _ids.Count;

    /// <summary>How far back ids are remembered now: the window, or less when the entry cap is binding.</summary>
    public TimeSpan EffectiveWindow { get; private set; }

    public bool Contains(UInt128 id) => _ids.Contains(id);

    /// <summary>Adds an id committed at <paramref name="time"/>; false when it was already there.</summary>
    public bool Add(UInt128 id, DateTimeOffset time)
    {
        if (!_ids.Add(id))
        {
            return false;
        }
        if (_current.Ids.Count == 0)
        {
            _current = new Generation(time);
        }
        else if (time - _current.Start >= _span || _current.Ids.Count >= _entriesPerGeneration)
        {
            Rotate(time);
        }
        _current.Ids.Add(id);
        return true;
    }

    /// <summary>Forgets an id added by a commit that failed.</summary>
    public void Remove(UInt128 id)
    {
        if (_ids.Remove(id))
        {
            // Only the newest ids are ever rolled back, so they are at the end of the current generation.
            var last = _current.Ids.Count - 1;
            if (last >= 0 && _current.Ids[last] == id)
            {
                _current.Ids.RemoveAt(last);
            }
        }
    }

    /// <summary>Drops generations that left the window as time passes without new ids.</summary>
    public void Expire(DateTimeOffset now)
    {
        while (_closed.TryPeek(out var oldest) && now - oldest.Start > _span * Generations)
        {
            Forget(_closed.Dequeue());
        }
        UpdateEffectiveWindow(now);
    }

    private void Rotate(DateTimeOffset time)
    {
        _closed.Enqueue(_current);
        _current = new Generation(time);
        while (_closed.Count >= Generations)
        {
            Forget(_closed.Dequeue());
        }
        UpdateEffectiveWindow(time);
    }

    private void Forget(Generation generation)
    {
        foreach (var id in generation.Ids)
        {
            _ids.Remove(id);
        }
    }

    private void UpdateEffectiveWindow(DateTimeOffset now) =>
        EffectiveWindow = _closed.TryPeek(out var oldest) ? now - oldest.Start : now - _current.Start;

    private sealed class Generation(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public List<UInt128> Ids { get; } = [];
    }
}
