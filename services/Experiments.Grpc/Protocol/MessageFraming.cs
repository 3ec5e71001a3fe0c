using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Experiments.Grpc.Protocol;

/// <summary>
/// Length-prefixed messages: a compressed-flag byte, a 4-byte big-endian length, then the message.
/// </summary>
internal static class MessageFraming
{
    public const int HeaderSize = 5;

    /// <summary>
    /// Takes one whole message off the front of <paramref name="buffer"/>; false when more bytes are needed.
    /// A length over <paramref name="maxSize"/> is refused as soon as the prefix is read.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxSize, out bool compressed, out ReadOnlySequence<byte> payload)
    {
        compressed = false;
        payload = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        if (header[0] > 1)
        {
            throw new RpcException(new Status(StatusCode.Internal,
                $"Malformed message: the compressed flag is {header[0]}, not 0 or 1."));
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"Received message of {length} bytes exceeds the maximum configured message size ({maxSize} bytes)."));
        }
        if (buffer.Length < HeaderSize + length)
        {
            return false;
        }
        compressed = header[0] == 1;
        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(HeaderSize + length);
        return true;
    }

    /// <summary>Parses a message payload, decompressing it first when its flag says so.</summary>
    public static T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload, bool compressed, string? encoding, int maxSize)
        where T : IMessage<T>
    {
        try
        {
            if (!compressed)
            {
                return parser.ParseFrom(payload);
            }
            if (encoding is null || encoding == GrpcProtocol.IdentityEncoding)
            {
                throw new RpcException(new Status(StatusCode.Internal,
                    "Malformed message: the compressed flag is set but the call declared no grpc-encoding."));
            }
            return parser.ParseFrom(MessageCompression.Decompress(encoding, payload, maxSize));
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Malformed message: " + ex.Message));
        }
    }

    /// <summary>Writes one length-prefixed message, compressed with <paramref name="encoding"/> unless it is null.</summary>
    public static void Write(IBufferWriter<byte> writer, IMessage message, string? encoding, int maxSize)
    {
        var size = message.CalculateSize();
        if (size > maxSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"Sending message of {size} bytes exceeds the maximum configured message size ({maxSize} bytes)."));
        }
        if (encoding is null)
        {
            var span = writer.GetSpan(HeaderSize + size);
            span[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
            message.WriteTo(span.Slice(HeaderSize, size));
            writer.Advance(HeaderSize + size);
            return;
        }
        var raw = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            message.WriteTo(raw.AsSpan(0, size));
            var compressedBytes = MessageCompression.Compress(encoding, raw.AsSpan(0, size));
            var span = writer.GetSpan(HeaderSize + compressedBytes.Length);
            span[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)compressedBytes.Length);
            compressedBytes.CopyTo(span[HeaderSize..]);
            writer.Advance(HeaderSize + compressedBytes.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }
}
