using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Experiments.Bench.Grpc;

/// <summary>
/// gRPC length-prefixed messages written by hand (a zero compressed-flag byte, a 4-byte big-endian length,
/// the message), for the bare endpoints and the bench's own client, which must not depend on grpc-dotnet.
/// </summary>
internal static class GrpcFrames
{
    public const int HeaderSize = 5;
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";

    public static byte[] Frame(IMessage message)
    {
        var size = message.CalculateSize();
        var frame = new byte[HeaderSize + size];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)size);
        message.WriteTo(frame.AsSpan(HeaderSize));
        return frame;
    }

    public static void Write(IBufferWriter<byte> writer, IMessage message)
    {
        var size = message.CalculateSize();
        var span = writer.GetSpan(HeaderSize + size);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
        message.WriteTo(span.Slice(HeaderSize, size));
        writer.Advance(HeaderSize + size);
    }

    /// <summary>Takes one whole uncompressed message off the front of <paramref name="buffer"/>; false when more bytes are needed.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        if (header[0] != 0)
        {
            throw new BenchFailure($"Unexpected compressed flag {header[0]}: the bench never asks for compression.");
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (buffer.Length < HeaderSize + length)
        {
            return false;
        }
        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(HeaderSize + length);
        return true;
    }
}
