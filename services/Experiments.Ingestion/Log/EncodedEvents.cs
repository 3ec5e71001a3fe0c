using System.Buffers;
using Experiments.Contracts.V1;
using Google.Protobuf;

namespace Experiments.Ingestion.Log;

/// <summary>
/// Validated events of one batch, serialized (on the caller's thread, so the log writer only copies bytes)
/// with the hashes of their ids. Owns a pooled buffer until disposed.
/// </summary>
public sealed class EncodedEvents : IDisposable
{
    private byte[] _buffer;
    private int _length;
    private UInt128[] _hashes;
    private int[] _ends;

    public EncodedEvents(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(256, capacity * 128));
        _hashes = ArrayPool<UInt128>.Shared.Rent(Math.Max(1, capacity));
        _ends = ArrayPool<int>.Shared.Rent(Math.Max(1, capacity));
    }

    public int Count { get; private set; }

    public int ByteCount => _length;

    public void Add(Event message, UInt128 idHash)
    {
        var size = message.CalculateSize();
        if (_length + size > _buffer.Length)
        {
            Grow(ref _buffer, Math.Max(_buffer.Length * 2, _length + size), _length);
        }
        if (Count == _hashes.Length)
        {
            Grow(ref _hashes, Count * 2, Count);
            Grow(ref _ends, Count * 2, Count);
        }
        message.WriteTo(_buffer.AsSpan(_length, size));
        _length += size;
        _hashes[Count] = idHash;
        _ends[Count] = _length;
        Count++;
    }

    public UInt128 Hash(int index) => _hashes[index];

    public ReadOnlySpan<byte> Bytes(int index)
    {
        var start = index == 0 ? 0 : _ends[index - 1];
        return _buffer.AsSpan(start, _ends[index] - start);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        ArrayPool<UInt128>.Shared.Return(_hashes);
        ArrayPool<int>.Shared.Return(_ends);
        _buffer = [];
        _hashes = [];
        _ends = [];
        Count = 0;
    }

    private static void Grow<T>(ref T[] array, int size, int used)
    {
        var larger = ArrayPool<T>.Shared.Rent(size);
        array.AsSpan(0, used).CopyTo(larger);
        ArrayPool<T>.Shared.Return(array);
        array = larger;
    }
}

/// <summary>What an append did: events newly committed, and events that were already in the log.</summary>
public readonly record struct AppendResult(int Accepted, int Duplicates);
