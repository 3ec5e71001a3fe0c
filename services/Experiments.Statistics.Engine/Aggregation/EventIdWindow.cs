using System.Collections;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>
/// Drops repeated event ids within a bounded window: the last <see cref="Capacity"/> to 2 × <see cref="Capacity"/>
/// distinct ids are remembered (two generations of hashes; the older is discarded when the newer fills).
/// </summary>
/// <remarks>
/// <para>
/// Exact, unbounded idempotency comes from log positions: the service ignores anything at or below a (log,
/// partition)'s applied position, and checkpoints positions with the state. This window catches what positions
/// cannot: the same event reaching statistics twice through different logs (a reporter retrying against another
/// ingestion replica) or twice within one log. A duplicate further apart than the window is counted twice.
/// </para>
/// <para>
/// Every event passes through here, so each generation is an open-addressing table (linear probing, load ≤ 1/2) sized
/// once for <see cref="Capacity"/> ids: adding an id never allocates, rehashes or grows. A generation's table is
/// allocated when its first id arrives, and rotating recycles the older one (cleared) instead of allocating; an empty
/// window holds no table.
/// </para>
/// </remarks>
public sealed class EventIdWindow
{
    // Two tables of 2^29 slots (4.8 GB each) are as far as a window sensibly goes.
    private const int MaxCapacity = 1 << 28;

    private Generation _current;
    private Generation _previous;
    private List<ulong> _added = [];

    /// <param name="capacity">Ids per generation (default 1,000,000: 18 MB per generation once it is in use; at most 2^28).</param>
    public EventIdWindow(int capacity = 1_000_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        Capacity = capacity;
        _current = new Generation(capacity);
        _previous = new Generation(capacity);
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
            // The older generation's table becomes the newer one: nothing is allocated, and only its tags need clearing.
            (_previous, _current) = (_current, _previous);
            _current.Clear();
        }
        return true;
    }

    /// <summary>The older generation of ids (for checkpoints), in no particular order.</summary>
    public IReadOnlyCollection<ulong> PreviousIds => _previous;

    /// <summary>The newer generation of ids (for checkpoints), in no particular order.</summary>
    public IReadOnlyCollection<ulong> CurrentIds => _current;

    /// <summary>Replaces the window with checkpointed generations.</summary>
    public void Restore(IEnumerable<ulong> previous, IEnumerable<ulong> current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        _previous = Restored(previous);
        _current = Restored(current);
        _added = [];
    }

    // Slots in a generation that may hold maxIds: a power of two, so that load stays at or below 1/2.
    internal static int SlotsFor(int maxIds) => (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, 2 * maxIds));

    // Where an id's probe starts in a table of mask + 1 slots, and its tag (never 0, which marks an empty slot). Ids
    // are hashes already, but a restored or test id need not be: a multiply spreads any pattern over the slots. The
    // slot comes from bits 32 and up of the product, the tag from bits 24–31.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (int Slot, byte Tag) SlotAndTag(ulong idHash, int mask)
    {
        var mixed = idHash * 0x9E3779B97F4A7C15UL;
        var tag = (byte)(mixed >> 24);
        return ((int)(mixed >> 32) & mask, tag == 0 ? (byte)1 : tag);
    }

    // A checkpoint written with a larger capacity may hold more ids than this window's capacity: size for them all, as
    // the window would have held them (the next addition then rotates).
    private Generation Restored(IEnumerable<ulong> ids)
    {
        ulong[] all = [.. ids];
        var generation = new Generation(Math.Max(Capacity, all.Length));
        foreach (var id in all)
        {
            generation.Add(id);
        }
        return generation;
    }

    /// <summary>
    /// A set of id hashes in 2^k slots, at least twice the ids it may hold. Each slot has a 1-byte tag (0 = empty)
    /// beside its id: a probe scans tags and reads an id only where the tag matches, which for a new id is almost never.
    /// </summary>
    /// <remarks>
    /// Nearly every event brings a new id whose slot is random, so the probe's cache miss is most of the window's cost:
    /// the tags, an eighth of the ids' memory (2 MB per million ids), miss the caches less often than the ids would,
    /// and the id itself is only written, which the processor need not wait for as it must for a read.
    /// </remarks>
    private sealed class Generation(int maxCount) : IReadOnlyCollection<ulong>
    {
        private readonly int _slotCount = SlotsFor(maxCount);
        private byte[]? _tags;
        private ulong[]? _ids;

        public int Count { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Contains(ulong id)
        {
            if (_tags is not { } tags)
            {
                return false;
            }
            var mask = tags.Length - 1;
            for (var (slot, tag) = SlotAndTag(id, mask); ; slot = (slot + 1) & mask)
            {
                var found = tags[slot];
                if (found == 0)
                {
                    return false;
                }
                if (found == tag && _ids![slot] == id)
                {
                    return true;
                }
            }
        }

        /// <summary>False when <paramref name="id"/> is already in the set.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Add(ulong id)
        {
            if (_tags is not { } tags)
            {
                tags = _tags = new byte[_slotCount];
                // Read only where a tag is set, so never in need of clearing.
                _ids = GC.AllocateUninitializedArray<ulong>(_slotCount);
            }
            var mask = tags.Length - 1;
            for (var (slot, tag) = SlotAndTag(id, mask); ; slot = (slot + 1) & mask)
            {
                var found = tags[slot];
                if (found == 0)
                {
                    tags[slot] = tag;
                    _ids![slot] = id;
                    Count++;
                    return true;
                }
                if (found == tag && _ids![slot] == id)
                {
                    return false;
                }
            }
        }

        public void Clear()
        {
            if (_tags is { } tags)
            {
                Array.Clear(tags);
            }
            Count = 0;
        }

        public IEnumerator<ulong> GetEnumerator()
        {
            if (_tags is not { } tags)
            {
                yield break;
            }
            for (var slot = 0; slot < tags.Length; slot++)
            {
                if (tags[slot] != 0)
                {
                    yield return _ids![slot];
                }
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
