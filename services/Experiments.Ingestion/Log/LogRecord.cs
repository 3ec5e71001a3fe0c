using System.Buffers.Binary;

namespace Experiments.Ingestion.Log;

/// <summary>
/// The on-disk format of one log record: the events of one append, committed together.
/// <code>
/// header (40 bytes, little-endian):
///   u32 magic "ELG1" · u32 body length · u32 CRC-32C of bytes 12.. to the end of the body
///   i32 event count · i64 first position · i64 ingest time (Unix µs) · i64 reserved (0)
/// body: count × 16-byte event-id hash, then count × (u32 length, serialized experiments.v1.Event)
/// </code>
/// Hashes come first so that rebuilding the deduplication index reads only them.
/// </summary>
internal static class LogRecord
{
    public const int HeaderSize = 40;
    public const uint Magic = 0x31474C45; // "ELG1"
    public const int HashSize = 16;

    public static void WriteHeader(Span<byte> header, int bodyLength, int count, long firstPosition, long ingestMicros)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], bodyLength);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], count);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], firstPosition);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], ingestMicros);
        BinaryPrimitives.WriteInt64LittleEndian(header[32..], 0);
    }

    /// <summary>Seals a record whose header and body are in <paramref name="record"/>.</summary>
    public static void Seal(Span<byte> record) =>
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], Crc32C.Compute(record[12..]));

    /// <summary>Reads a header; false when it is not a plausible record header.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out Header result)
    {
        result = default;
        if (header.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            return false;
        }
        var bodyLength = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        var first = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        if (bodyLength < 0 || count <= 0 || first <= 0 || (long)count * (HashSize + 4) > bodyLength)
        {
            return false;
        }
        result = new Header(bodyLength, BinaryPrimitives.ReadUInt32LittleEndian(header[8..]), count, first,
            BinaryPrimitives.ReadInt64LittleEndian(header[24..]));
        return true;
    }

    /// <summary>True when the CRC of a whole record (header and body) matches.</summary>
    public static bool IsIntact(ReadOnlySpan<byte> record, in Header header) =>
        Crc32C.Compute(record[12..(HeaderSize + header.BodyLength)]) == header.Crc;

    public readonly record struct Header(int BodyLength, uint Crc, int Count, long FirstPosition, long IngestMicros)
    {
        public int TotalLength => HeaderSize + BodyLength;

        public long LastPosition => FirstPosition + Count - 1;

        public DateTimeOffset IngestTime => DateTimeOffset.UnixEpoch.AddTicks(IngestMicros * 10);
    }
}
