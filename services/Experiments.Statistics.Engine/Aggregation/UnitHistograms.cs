using System.Runtime.CompilerServices;
using Experiments.Statistics.Engine.Histograms;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>
/// One sparse latency histogram per unit, all in a single arena: entries are 32-bit words (bucket slot in the top
/// 11 bits, count in the low 21) sorted by slot, in blocks of 2ᵏ words recycled through free lists. A unit with
/// r requests spread over b distinct buckets costs 7 + 4·2^⌈log₂ b⌉ bytes; no object per unit.
/// </summary>
/// <remarks>
/// Same bucket boundaries as <see cref="LogHistogram"/> (slot = bucket index + 1), so a unit's counts below an
/// arm quantile are exactly what <see cref="Quantiles.ClusteredIndicatorSums.Add(LogHistogram)"/> would count.
/// </remarks>
internal sealed class UnitHistograms
{
    private const int CountBits = 21;
    private const uint MaxCount = (1u << CountBits) - 1;
    private const int Classes = 12; // blocks of 1 … 2048 words; 1,122 slots fit in the largest

    private uint[] _arena = new uint[1024];
    private int _arenaUsed;
    private readonly Stack<int>[] _free = new Stack<int>[Classes];
    private int[] _offset = [];
    private ushort[] _length = [];
    private byte[] _class = [];

    public UnitHistograms()
    {
        for (var i = 0; i < Classes; i++)
        {
            _free[i] = new Stack<int>();
        }
    }

    public long MemoryBytes => _arena.Length * 4L + _offset.Length * 7L;

    public long UsedWords => _arenaUsed;

    public void EnsureCapacity(int units)
    {
        if (units <= _offset.Length)
        {
            return;
        }
        var old = _offset.Length;
        Array.Resize(ref _offset, units);
        Array.Resize(ref _length, units);
        Array.Resize(ref _class, units);
        Array.Fill(_offset, -1, old, units - old);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int unit, double latencyMs) => AddToSlot(unit, LogBucketMapping.IndexOf(latencyMs) + 1);

    public void AddToSlot(int unit, int slot)
    {
        var offset = _offset[unit];
        int length = _length[unit];
        if (offset < 0)
        {
            offset = Allocate(0);
            _offset[unit] = offset;
            _class[unit] = 0;
        }
        var entries = _arena.AsSpan(offset, length);
        var key = (uint)slot << CountBits;
        var position = Search(entries, key);
        while (position < length && (entries[position] >> CountBits) == slot)
        {
            if ((entries[position] & MaxCount) < MaxCount)
            {
                entries[position]++;
                return;
            }
            position++;
        }
        // A new bucket for this unit (or a full counter): insert, growing the block when it is full.
        if (length == 1 << _class[unit])
        {
            var grown = Allocate(_class[unit] + 1);
            Array.Copy(_arena, offset, _arena, grown, length);
            Release(offset, _class[unit]);
            offset = grown;
            _offset[unit] = grown;
            _class[unit]++;
        }
        Array.Copy(_arena, offset + position, _arena, offset + position + 1, length - position);
        _arena[offset + position] = key | 1;
        _length[unit] = (ushort)(length + 1);
    }

    /// <summary>The unit's (slot, count) entries, ascending by slot (a slot may repeat when a counter filled).</summary>
    public ReadOnlySpan<uint> Entries(int unit) =>
        _offset[unit] < 0 ? [] : _arena.AsSpan(_offset[unit], _length[unit]);

    public static int SlotOf(uint entry) => (int)(entry >> CountBits);

    public static long CountOf(uint entry) => entry & MaxCount;

    /// <summary>Replaces the unit's histogram with <paramref name="entries"/> (restore from a checkpoint).</summary>
    /// <summary>Replaces the unit's entries (restoring a checkpoint).</summary>
    public void Set(int unit, ReadOnlySpan<uint> entries)
    {
        if (_offset[unit] >= 0)
        {
            Release(_offset[unit], _class[unit]);
            _offset[unit] = -1;
            _length[unit] = 0;
        }
        if (entries.IsEmpty)
        {
            return;
        }
        var sizeClass = 0;
        while (1 << sizeClass < entries.Length)
        {
            sizeClass++;
        }
        var offset = Allocate(sizeClass);
        entries.CopyTo(_arena.AsSpan(offset));
        _offset[unit] = offset;
        _length[unit] = (ushort)entries.Length;
        _class[unit] = (byte)sizeClass;
    }

    private static int Search(Span<uint> entries, uint key)
    {
        // First entry with slot ≥ key's slot; units hold few buckets, so a linear scan beats bisection below 16.
        if (entries.Length <= 16)
        {
            var i = 0;
            while (i < entries.Length && entries[i] < key)
            {
                i++;
            }
            return i;
        }
        int low = 0, high = entries.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (entries[mid] < key)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        return low;
    }

    private int Allocate(int sizeClass)
    {
        if (_free[sizeClass].TryPop(out var offset))
        {
            return offset;
        }
        var size = 1 << sizeClass;
        if (_arenaUsed + size > _arena.Length)
        {
            Array.Resize(ref _arena, Math.Max(_arena.Length + _arena.Length / 2, _arenaUsed + size));
        }
        offset = _arenaUsed;
        _arenaUsed += size;
        return offset;
    }

    private void Release(int offset, int sizeClass) => _free[sizeClass].Push(offset);
}
