using System.Numerics;
using System.Runtime.CompilerServices;

namespace Experiments.Statistics.Engine.Aggregation;

/// <summary>
/// Unit id hash → dense unit index (0, 1, 2, … in order of arrival). The hashes live in a dense array indexed by
/// unit; the open-addressing table (linear probing, load ≤ 0.75) holds only 4-byte unit numbers, so a million
/// units cost 8 MB of keys plus 4–8 MB of table and no object per unit.
/// </summary>
internal sealed class UnitIndex
{
    private ulong[] _keys = new ulong[1024];
    private int[] _table = new int[2048]; // unit + 1; 0 = empty
    private int _mask = 2047;

    public int Count { get; private set; }

    public long MemoryBytes => _keys.Length * 8L + _table.Length * 4L;

    /// <summary>The hash of unit <paramref name="unit"/>.</summary>
    public ulong KeyOf(int unit) => _keys[unit];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ulong key)
    {
        var table = _table;
        var slot = (int)(Scramble(key) & (ulong)_mask);
        while (true)
        {
            var value = table[slot];
            if (value == 0)
            {
                return -1;
            }
            if (_keys[value - 1] == key)
            {
                return value - 1;
            }
            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>Adds <paramref name="key"/> (not present) as unit <see cref="Count"/>; returns that unit.</summary>
    public int Add(ulong key)
    {
        if ((Count + 1) * 4L > _table.Length * 3L)
        {
            var table = new int[_table.Length * 2];
            var mask = table.Length - 1;
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

    private static void Insert(int[] table, int mask, ulong key, int unit)
    {
        var slot = (int)(Scramble(key) & (ulong)mask);
        while (table[slot] != 0)
        {
            slot = (slot + 1) & mask;
        }
        table[slot] = unit + 1;
    }

    // The key is already a good hash; a multiply spreads its bits anyway in case it is not.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Scramble(ulong key) => BitOperations.RotateLeft(key * 0x9E3779B97F4A7C15UL, 32);
}
