using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Experiments.Grpc.Protocol;
using Google.Protobuf;

namespace Experiments.Grpc.Client;

/// <summary>
/// Reads length-prefixed messages from a response body into a pooled buffer that grows to the largest
/// message. Used by one reader at a time; <see cref="Release"/> only when no read is in progress.
/// </summary>
internal sealed class MessageReader(Stream stream)
{
    private const int InitialSize = 4096;

    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _start;
    private int _end;

    /// <summary>Reads the next message; null at the end of the body.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T?> ReadAsync<T>(MessageParser<T> parser, int maxSize, string? encoding, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var buffer = _buffer ?? throw new ObjectDisposedException(nameof(MessageReader));
            var buffered = new ReadOnlySequence<byte>(buffer, _start, _end - _start);
            if (MessageFraming.TryReadFrame(ref buffered, maxSize, out var compressed, out var payload))
            {
                if (compressed && encoding is not null && !MessageCompression.IsSupported(encoding))
                {
                    throw new RpcException(new Status(StatusCode.Internal,
                        $"The server compressed a message with grpc-encoding '{encoding}', which the client does not support."));
                }
                var message = MessageFraming.Parse(parser, payload, compressed, encoding, maxSize);
                _start = _end - (int)buffered.Length;
                if (_start == _end)
                {
                    _start = _end = 0;
                }
                return message;
            }
            MakeRoom();
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (_end > _start)
                {
                    throw new RpcException(new Status(StatusCode.Internal, "The response ended inside a message."));
                }
                return null;
            }
            _end += read;
        }
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Release()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Makes space for the rest of the frame being read (its length is known once its prefix is in).</summary>
    private void MakeRoom()
    {
        var buffer = _buffer!;
        var pending = _end - _start;
        // The frame's length was checked against the size limit when its prefix was read.
        var frame = pending < MessageFraming.HeaderSize
            ? MessageFraming.HeaderSize
            : MessageFraming.HeaderSize + (long)BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(_start + 1, 4));
        var needed = (int)Math.Min(Math.Max(frame, pending + 1), Array.MaxLength);
        if (buffer.Length - _start >= needed && _end < buffer.Length)
        {
            return;
        }
        if (buffer.Length >= needed)
        {
            buffer.AsSpan(_start, pending).CopyTo(buffer);
        }
        else
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, buffer.Length * 2));
            buffer.AsSpan(_start, pending).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            _buffer = larger;
        }
        _start = 0;
        _end = pending;
    }
}
