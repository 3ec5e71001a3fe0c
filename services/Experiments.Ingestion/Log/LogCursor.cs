using Microsoft.Win32.SafeHandles;

namespace Experiments.Ingestion.Log;

/// <summary>One committed event as read back from the log: its position, commit time and serialized Event.</summary>
public readonly record struct LogEntry(long Position, DateTimeOffset IngestTime, ReadOnlyMemory<byte> Event);

/// <summary>
/// Reads committed events in position order, from one position on, across segments. Never returns an
/// event that is not yet durable. One reader at a time; dispose to close its file.
/// </summary>
public sealed class LogCursor : IDisposable
{
    private readonly EventLog _log;
    private readonly byte[] _header = new byte[LogRecord.HeaderSize];
    private LogSegment? _segment;
    private SafeFileHandle? _handle;
    private long _offset;

    internal LogCursor(EventLog log, long position)
    {
        _log = log;
        Position = position;
    }

    /// <summary>The position of the last event read (or the starting position).</summary>
    public long Position { get; private set; }

    /// <summary>Reads up to <paramref name="maxEvents"/> events after <see cref="Position"/> into <paramref name="into"/>; returns how many.</summary>
    public int Read(List<LogEntry> into, int maxEvents)
    {
        var read = 0;
        while (read < maxEvents && Position < _log.DurablePosition)
        {
            var want = Position + 1;
            if (_segment is null || want < _segment.FirstPosition)
            {
                if (!Seek(want))
                {
                    break;
                }
                continue;
            }
            if (_offset >= _segment.Length)
            {
                var next = _log.SegmentAfter(_segment);
                // A successor exists only once this segment is final; its length is read again after that.
                if (next is null || _offset < _segment.Length)
                {
                    if (next is null)
                    {
                        break;
                    }
                    continue;
                }
                Open(next);
                continue;
            }
            RandomAccess.Read(_handle!, _header, _offset);
            if (!LogRecord.TryReadHeader(_header, out var header))
            {
                throw new LogCorruptedException($"No valid record at offset {_offset} of '{_segment.Path}'.");
            }
            if (header.LastPosition < want)
            {
                _offset += header.TotalLength;
                continue;
            }
            var record = new byte[header.TotalLength];
            if (RandomAccess.Read(_handle!, record, _offset) < record.Length || !LogRecord.IsIntact(record, header))
            {
                throw new LogCorruptedException($"The record at offset {_offset} of '{_segment.Path}' fails its checksum.");
            }
            var payload = LogRecord.HeaderSize + (header.Count * LogRecord.HashSize);
            var time = header.IngestTime;
            for (var i = 0; i < header.Count; i++)
            {
                var length = BitConverter.ToInt32(record, payload);
                var position = header.FirstPosition + i;
                if (position >= want && read < maxEvents)
                {
                    into.Add(new LogEntry(position, time, record.AsMemory(payload + 4, length)));
                    Position = position;
                    read++;
                }
                payload += 4 + length;
            }
            if (Position == header.LastPosition)
            {
                _offset += header.TotalLength;
            }
        }
        return read;
    }

    public void Dispose()
    {
        _handle?.Dispose();
        _handle = null;
        _segment = null;
    }

    private bool Seek(long position)
    {
        var segment = _log.SegmentFor(position);
        if (segment is null)
        {
            return false;
        }
        Open(segment);
        if (position < segment.FirstPosition)
        {
            // Trimmed away: continue from the oldest event still there.
            Position = segment.FirstPosition - 1;
        }
        return true;
    }

    private void Open(LogSegment segment)
    {
        _handle?.Dispose();
        _handle = File.OpenHandle(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        _segment = segment;
        _offset = 0;
    }
}
