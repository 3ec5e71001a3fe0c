using System.Buffers;
using System.IO.Compression;

namespace Experiments.Grpc.Protocol;

/// <summary>The message encodings this layer speaks besides identity: gzip and deflate (zlib).</summary>
internal static class MessageCompression
{
    public const string Gzip = "gzip";
    public const string Deflate = "deflate";

    /// <summary>The value of grpc-accept-encoding that we send.</summary>
    public const string AcceptEncoding = "identity,gzip,deflate";

    public static bool IsSupported(string encoding) =>
        encoding is Gzip or Deflate or GrpcProtocol.IdentityEncoding;

    /// <summary>True when a comma-separated grpc-accept-encoding value lists the encoding.</summary>
    public static bool Accepts(string? acceptEncoding, string encoding)
    {
        if (acceptEncoding is null)
        {
            return false;
        }
        foreach (var range in acceptEncoding.AsSpan().Split(','))
        {
            if (acceptEncoding.AsSpan(range).Trim().Equals(encoding, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    public static byte[] Compress(string encoding, ReadOnlySpan<byte> payload)
    {
        using var output = new MemoryStream(payload.Length / 2 + 64);
        using (var stream = CreateStream(encoding, output, CompressionMode.Compress))
        {
            stream.Write(payload);
        }
        return output.ToArray();
    }

    /// <summary>Decompresses a payload, refusing to inflate past <paramref name="maxSize"/> bytes.</summary>
    public static byte[] Decompress(string encoding, ReadOnlySequence<byte> payload, int maxSize)
    {
        using var input = new SequenceStream(payload);
        using var stream = CreateStream(encoding, input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > maxSize)
                {
                    throw new RpcException(new Status(StatusCode.ResourceExhausted,
                        $"Received message exceeds the maximum configured message size ({maxSize} bytes) after decompression."));
                }
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Could not decompress a {encoding} message: {ex.Message}"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return output.ToArray();
    }

    private static Stream CreateStream(string encoding, Stream inner, CompressionMode mode)
    {
        var compress = mode == CompressionMode.Compress;
        return encoding switch
        {
            Gzip when compress => new GZipStream(inner, CompressionLevel.Fastest, leaveOpen: true),
            Gzip => new GZipStream(inner, CompressionMode.Decompress, leaveOpen: true),
            Deflate when compress => new ZLibStream(inner, CompressionLevel.Fastest, leaveOpen: true),
            Deflate => new ZLibStream(inner, CompressionMode.Decompress, leaveOpen: true),
            _ => throw new RpcException(new Status(StatusCode.Unimplemented,
                $"Unsupported grpc-encoding '{encoding}'. Supported: {AcceptEncoding}.")),
        };
    }
}
