using System.Numerics;
using System.Runtime.CompilerServices;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>
/// Unit id hash → dense unit index (0, 1, 2, … in order of arrival). The hashes live in a dense array indexed by
/// unit; the open-addressing table (linear probing, load ≤ 0.75) holds only 4-byte slots, so a million units cost
/// 8 MB of keys plus 4–8 MB of table and no object per unit.
/// </summary>
/// <remarks>
/// A slot holds unit + 1, which is below the table size, and in the bits above it a tag taken from the key. A probe
/// passing other units' slots reads their keys (a cache miss each: keys are in arrival order, not slot order) only
/// when the tags agree, so a new unit's probe, which passes several occupied slots at high load, reads almost none.
/// </remarks>
internal sealed class UnitIndex
{
    private ulong[] _keys = new ulong[1024];
    private uint[] _table = new uint[2048]; // tag | unit + 1; 0 = empty
    private uint _mask = 2047;

    public int Count { get; private set; }

    public long MemoryBytes => _keys.Length * 8L + _table.Length * 4L;

    /// <summary>The hash of unit <paramref name="unit"/>.</summary>
    public ulong KeyOf(int unit) => _keys[unit];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ulong key)
    {
        var table = _table;
        var mask = _mask;
        var (slot, tag) = Place(key, mask);
        while (true)
        {
            var entry = table[slot];
            if (entry == 0)
            {
                return -1;
            }
            if ((entry & ~mask) == tag)
            {
                var unit = (int)(entry & mask) - 1;
                if (_keys[unit] == key)
                {
                    return unit;
                }
            }
            slot = (int)((slot + 1) & mask);
        }
    }

    /// <summary>Adds <paramref name="key"/> (not present) as unit <see cref="Count"/>; returns that unit.</summary>
    public int Add(ulong key)
    {
        if ((Count + 1) * 4L > _table.Length * 3L)
        {
            var table = new uint[_table.Length * 2];
            var mask = (uint)table.Length - 1;
            for (var u = 0; u < Count; u++)
            {
                Insert(table, mask, _keys[u], u);
            }
            _table = table;
            _mask = mask;
        }
        if (Count == _keys.Length)
        {
            Array.Resize(ref _keys, _keys.Length + _keys.Length / 2);
        }
        var unit = Count;
        _keys[unit] = key;
        Insert(_table, _mask, key, unit);
        Count++;
        return unit;
    }

    private static void Insert(uint[] table, uint mask, ulong key, int unit)
    {
        var (slot, tag) = Place(key, mask);
        while (table[slot] != 0)
        {
            slot = (int)((slot + 1) & mask);
        }
        table[slot] = tag | (uint)(unit + 1);
    }

    // The key is already a good hash; a multiply spreads its bits anyway in case it is not. The slot comes from the low
    // bits; the tag is the high half's bits above the mask, where the unit number (< table size) leaves room.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int Slot, uint Tag) Place(ulong key, uint mask)
    {
        var scrambled = BitOperations.RotateLeft(key * 0x9E3779B97F4A7C15UL, 32);
        return ((int)(scrambled & mask), (uint)(scrambled >> 32) & ~mask);
    }
}
