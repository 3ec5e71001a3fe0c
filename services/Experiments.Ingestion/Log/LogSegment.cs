using System.Globalization;

namespace Experiments.Ingestion.Log;

/// <summary>
/// One segment file, named after the first position it holds. The writer extends the last segment and
/// publishes its durable length after each fsync; readers never read past it.
/// </summary>
internal sealed class LogSegment(string path, long firstPosition)
{
    private long _length;
    private long _lastPosition = firstPosition - 1;
    private long _lastIngestMicros;

    public string Path { get; } = path;

    public long FirstPosition { get; } = firstPosition;

    /// <summary>Bytes of whole, fsynced records.</summary>
    public long Length => Volatile.Read(ref _length);

    /// <summary>Position of the last event in the segment; <see cref="FirstPosition"/> - 1 while empty.</summary>
    public long LastPosition => Volatile.Read(ref _lastPosition);

    public DateTimeOffset LastIngestTime => DateTimeOffset.UnixEpoch.AddTicks(Volatile.Read(ref _lastIngestMicros) * 10);

    public static string FileName(long firstPosition) => firstPosition.ToString("D20", CultureInfo.InvariantCulture) + ".log";

    public static bool TryParseFileName(string path, out long firstPosition) =>
        long.TryParse(System.IO.Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out firstPosition)
        && firstPosition > 0;

    public void Extend(long length, long lastPosition, long ingestMicros)
    {
        Volatile.Write(ref _lastIngestMicros, ingestMicros);
        Volatile.Write(ref _lastPosition, lastPosition);
        Volatile.Write(ref _length, length);
    }
}
