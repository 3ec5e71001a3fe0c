namespace Experiments.Bench.Statistics;

/// <summary>
/// The event-id window as it was before the open-addressing table (two HashSet generations that grow as ids arrive),
/// kept only as the reference for <see cref="EventIdWindowBenchmarks"/>: same semantics, TryAdd only.
/// </summary>
internal sealed class HashSetEventIdWindow(int capacity)
{
    private HashSet<ulong> _current = new(Math.Min(capacity, 1 << 16));
    private HashSet<ulong> _previous = [];

    public bool TryAdd(ulong idHash)
    {
        if (_previous.Contains(idHash) || !_current.Add(idHash))
        {
            return false;
        }
        if (_current.Count >= capacity)
        {
            _previous = _current;
            _current = new HashSet<ulong>(Math.Min(capacity, 1 << 16));
        }
        return true;
    }
}
