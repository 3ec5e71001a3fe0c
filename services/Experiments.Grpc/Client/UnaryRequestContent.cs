using System.Buffers;
using System.Net;

namespace Experiments.Grpc.Client;

/// <summary>
/// The body of a call with one request message: the framed message, serialized straight into a pooled
/// buffer. The buffer goes back to the pool once the content is disposed and no send is using it.
/// </summary>
internal sealed class UnaryRequestContent : HttpContent, IBufferWriter<byte>
{
    private byte[]? _buffer;
    private int _written;
    private int _sending;
    private volatile bool _disposed;

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _written;
        return true;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _sending);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await stream.WriteAsync(_buffer.AsMemory(0, _written), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (Interlocked.Decrement(ref _sending) == 0 && _disposed)
            {
                ReturnBuffer();
            }
        }
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _sending);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            stream.Write(_buffer.AsSpan(0, _written));
        }
        finally
        {
            if (Interlocked.Decrement(ref _sending) == 0 && _disposed)
            {
                ReturnBuffer();
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // A send still in progress (a cancelled call) returns the buffer when it ends.
            _disposed = true;
            if (Volatile.Read(ref _sending) == 0)
            {
                ReturnBuffer();
            }
        }
        base.Dispose(disposing);
    }

    private void Reserve(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (_buffer is not null && needed <= _buffer.Length)
        {
            return;
        }
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 256));
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        _buffer = larger;
    }

    private void ReturnBuffer()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
