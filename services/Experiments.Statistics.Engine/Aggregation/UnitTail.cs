namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>A unit that may belong to an arm's latency tail: its requests from a cut-off bucket up, for re-ranking after a merge.</summary>
/// <param name="UnitId">The unit id (or its hash in hex when the id was not kept).</param>
/// <param name="Requests">All the unit's requests in the group.</param>
/// <param name="TailEntries">(slot, count) entries at or above the shard's cut-off slot.</param>
public sealed record UnitTail(string UnitId, long Requests, IReadOnlyList<(int Slot, long Count)> TailEntries)
{
    /// <summary>Requests in slots at or above <paramref name="firstSlot"/>.</summary>
    public long CountFrom(int firstSlot)
    {
        long count = 0;
        foreach (var (slot, c) in TailEntries)
        {
            if (slot >= firstSlot)
            {
                count += c;
            }
        }
        return count;
    }
}
