using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace Experiments.Ingestion.Log;

/// <summary>
/// The durable, append-only event log: segment files of checksummed records. Appends are queued and
/// committed by one writer thread in groups — one write and one fsync for every append waiting — and
/// complete only once their group is on disk. The writer also deduplicates by event id, so two appends
/// racing with the same id commit it once. Positions start at 1 and increase by one per committed event.
/// Readers (<see cref="LogCursor"/>) see committed records only; segments are deleted only behind the
/// position the forwarder confirmed (<see cref="Confirm"/>).
/// </summary>
public sealed class EventLog : IDisposable
{
    private readonly LogOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IngestionMetrics _metrics;
    private readonly string _segmentsPath;
    private readonly ConcurrentQueue<PendingAppend> _queue = new();
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly List<LogSegment> _segments = [];
    private readonly Lock _segmentsLock = new();
    private readonly List<PendingAppend> _group = [];
    private readonly List<UInt128> _addedInGroup = [];
    // (last position, timestamp) of each commit not yet confirmed: the oldest one says how far forwarding lags.
    private readonly Queue<(long Position, long Timestamp)> _unconfirmedCommits = new();
    private bool[] _keep = new bool[1024];
    private DedupIndex _dedup = null!;
    private SafeFileHandle? _active;
    private Thread? _writer;
    private byte[] _groupBuffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
    private TaskCompletionSource _appended = NewSignal();
    private long _nextPosition = 1;
    private long _durablePosition;
    private long _confirmedPosition;
    private long _pendingEvents;
    private long _pendingBytes;
    private long _backlogBytes;
    private long _dedupWindowTicks;
    private volatile Exception? _fault;
    private volatile bool _stopping;

    public EventLog(IOptions<LogOptions> options, TimeProvider time, ILogger<EventLog> logger, IngestionMetrics metrics)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _segmentsPath = Path.Combine(_options.DataPath, "segments");
    }

    /// <summary>This log's id; positions are scoped to it.</summary>
    public string LogId { get; private set; } = "";

    /// <summary>Seed of the event-id hashes (<see cref="HashEventId"/>).</summary>
    public ulong HashSeed { get; private set; }

    /// <summary>Position of the last committed event; 0 when the log is empty.</summary>
    public long DurablePosition => Volatile.Read(ref _durablePosition);

    /// <summary>Everything at or below this position has been delivered to the forwarding target.</summary>
    public long ConfirmedPosition => Volatile.Read(ref _confirmedPosition);

    public long PendingEvents => Volatile.Read(ref _pendingEvents);

    public long BacklogBytes => Volatile.Read(ref _backlogBytes);

    public long PendingBytes => Volatile.Read(ref _pendingBytes);

    /// <summary>
    /// How long the oldest committed event not yet delivered has been waiting (zero when everything is delivered).
    /// After a restart, the undelivered events found count from the moment the log opened.
    /// </summary>
    public TimeSpan ForwardingLag
    {
        get
        {
            lock (_unconfirmedCommits)
            {
                return _unconfirmedCommits.TryPeek(out var oldest) ? _time.GetElapsedTime(oldest.Timestamp) : TimeSpan.Zero;
            }
        }
    }

    public TimeSpan DedupWindow => TimeSpan.FromTicks(Volatile.Read(ref _dedupWindowTicks));

    public bool IsFaulted => _fault is not null;

    public UInt128 HashEventId(string eventId) => EventIdHash.Of(eventId, HashSeed);

    /// <summary>
    /// Opens the log: recovers the last segment (a torn record from a crash is cut off: it was never
    /// acknowledged), rebuilds the deduplication index from the recent records and starts the writer.
    /// </summary>
    public void Open(long confirmedPosition = 0)
    {
        if (_writer is not null)
        {
            return;
        }
        Directory.CreateDirectory(_segmentsPath);
        var identity = LogIdentity.LoadOrCreate(_options.DataPath);
        LogId = identity.LogId;
        HashSeed = identity.HashSeed;

        var files = Directory.GetFiles(_segmentsPath, "*.log")
            .Select(path => LogSegment.TryParseFileName(path, out var first) ? new LogSegment(path, first) : null)
            .OfType<LogSegment>()
            .OrderBy(s => s.FirstPosition)
            .ToList();
        if (files.Count == 0)
        {
            files.Add(CreateSegment(1));
        }
        for (var i = 0; i < files.Count - 1; i++)
        {
            // Sealed segments were fsynced before the next one was created; their extent is known without a scan.
            var length = new FileInfo(files[i].Path).Length;
            var time = new DateTimeOffset(File.GetLastWriteTimeUtc(files[i].Path), TimeSpan.Zero);
            files[i].Extend(length, files[i + 1].FirstPosition - 1, (time - DateTimeOffset.UnixEpoch).Ticks / 10);
        }
        var last = files[^1];
        var (validLength, lastPosition, lastMicros, fileLength) = Recover(last);
        _active = File.OpenHandle(last.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        if (fileLength > validLength)
        {
            LogMessages.TornTailTruncated(_logger, last.Path, validLength, fileLength - validLength);
            RandomAccess.SetLength(_active, validLength);
            RandomAccess.FlushToDisk(_active);
        }
        last.Extend(validLength, lastPosition, lastMicros);
        _segments.AddRange(files);
        _nextPosition = lastPosition + 1;
        _durablePosition = lastPosition;
        _confirmedPosition = Math.Min(confirmedPosition, lastPosition);

        _dedup = new DedupIndex(_options.DedupWindow, _options.DedupMaxEntries);
        var remembered = RebuildDedup();
        LogMessages.Opened(_logger, LogId, _segmentsPath, _segments.Count, lastPosition, remembered);
        UpdateBacklog();
        if (lastPosition > _confirmedPosition)
        {
            _unconfirmedCommits.Enqueue((lastPosition, _time.GetTimestamp()));
        }
        _metrics.Attach(this);
        _writer = new Thread(WriterLoop) { IsBackground = true, Name = "event-log-writer" };
        _writer.Start();
    }

    /// <summary>
    /// Commits the events that are not already in the log (by id hash) and completes once they are on
    /// disk. Throws <see cref="LogOverloadedException"/>, <see cref="LogFullException"/> or
    /// <see cref="LogUnavailableException"/> when it cannot take them; then nothing was committed.
    /// </summary>
    public Task<AppendResult> AppendAsync(EncodedEvents events)
    {
        if (_fault is { } fault)
        {
            throw new LogUnavailableException("The event log cannot commit: " + fault.Message, fault);
        }
        if (_stopping)
        {
            throw new LogUnavailableException("The event log is shutting down.");
        }
        if (Volatile.Read(ref _backlogBytes) > _options.MaxBacklogBytes)
        {
            throw new LogFullException(
                $"The log holds {Volatile.Read(ref _backlogBytes)} bytes not yet delivered to statistics (limit {_options.MaxBacklogBytes}).",
                _options.LogFullRetryAfter);
        }
        if (_options.MaxForwardingLag > TimeSpan.Zero && ForwardingLag is var lag && lag > _options.MaxForwardingLag)
        {
            throw new LogFullException(
                $"Statistics is {lag.TotalSeconds:F0} s behind the log (limit {_options.MaxForwardingLag.TotalSeconds:F0} s).",
                _options.LagRetryAfter);
        }
        if (Interlocked.Add(ref _pendingEvents, events.Count) > _options.MaxPendingEvents)
        {
            Interlocked.Add(ref _pendingEvents, -events.Count);
            throw new LogOverloadedException(
                $"More than {_options.MaxPendingEvents} events are waiting to be committed.", _options.OverloadRetryAfter);
        }
        if (Interlocked.Add(ref _pendingBytes, events.ByteCount) > _options.MaxPendingBytes)
        {
            Interlocked.Add(ref _pendingEvents, -events.Count);
            Interlocked.Add(ref _pendingBytes, -events.ByteCount);
            throw new LogOverloadedException(
                $"More than {_options.MaxPendingBytes} bytes of events are waiting to be committed.", _options.OverloadRetryAfter);
        }
        var pending = new PendingAppend(events);
        _queue.Enqueue(pending);
        _wake.Set();
        return pending.Completion.Task;
    }

    /// <summary>Completes when an event after <paramref name="position"/> has been committed.</summary>
    public Task WaitForCommitAfterAsync(long position, CancellationToken cancellationToken)
    {
        var signal = Volatile.Read(ref _appended);
        return DurablePosition > position ? Task.CompletedTask : signal.Task.WaitAsync(cancellationToken);
    }

    /// <summary>A reader of committed events after <paramref name="position"/>.</summary>
    public LogCursor OpenCursor(long position) => new(this, position);

    /// <summary>
    /// Records that every event at or below <paramref name="position"/> has been delivered, and deletes the
    /// sealed segments that are delivered and no longer needed for deduplication.
    /// </summary>
    public void Confirm(long position)
    {
        position = Math.Min(position, DurablePosition);
        long current;
        do
        {
            current = Volatile.Read(ref _confirmedPosition);
            if (position <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _confirmedPosition, position, current) != current);
        lock (_unconfirmedCommits)
        {
            while (_unconfirmedCommits.TryPeek(out var oldest) && oldest.Position <= position)
            {
                _unconfirmedCommits.Dequeue();
            }
        }
        Trim();
    }

    internal LogSegment? SegmentFor(long position)
    {
        lock (_segmentsLock)
        {
            for (var i = _segments.Count - 1; i >= 0; i--)
            {
                if (_segments[i].FirstPosition <= position)
                {
                    return _segments[i];
                }
            }
            return _segments.Count > 0 ? _segments[0] : null;
        }
    }

    /// <summary>The segment after <paramref name="segment"/>, even when that one has been trimmed meanwhile.</summary>
    internal LogSegment? SegmentAfter(LogSegment segment)
    {
        lock (_segmentsLock)
        {
            foreach (var candidate in _segments)
            {
                if (candidate.FirstPosition > segment.FirstPosition)
                {
                    return candidate;
                }
            }
            return null;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _writer?.Join();
        while (_queue.TryDequeue(out var pending))
        {
            pending.Completion.TrySetException(new LogUnavailableException("The event log is shutting down."));
        }
        _active?.Dispose();
        _appended.TrySetCanceled();
        if (_groupBuffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_groupBuffer);
            _groupBuffer = [];
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void WriterLoop()
    {
        var lastExpiry = _time.GetUtcNow();
        while (true)
        {
            _wake.Wait(TimeSpan.FromSeconds(1));
            _wake.Reset();
            while (TakeGroup())
            {
                Commit();
            }
            var now = _time.GetUtcNow();
            if (now - lastExpiry > TimeSpan.FromSeconds(1))
            {
                _dedup.Expire(now);
                Volatile.Write(ref _dedupWindowTicks, _dedup.EffectiveWindow.Ticks);
                lastExpiry = now;
            }
            if (_stopping && _queue.IsEmpty)
            {
                return;
            }
        }
    }

    private bool TakeGroup()
    {
        _group.Clear();
        long events = 0, bytes = 0;
        while (events < _options.MaxGroupEvents && bytes < _options.MaxGroupBytes && _queue.TryDequeue(out var pending))
        {
            _group.Add(pending);
            events += pending.Events.Count;
            bytes += pending.Events.ByteCount;
        }
        return _group.Count > 0;
    }

    private void Commit()
    {
        var started = Stopwatch.GetTimestamp();
        var now = _time.GetUtcNow();
        var micros = (now - DateTimeOffset.UnixEpoch).Ticks / 10;
        var groupFirst = _nextPosition;
        var length = 0;
        var queued = 0;
        var queuedBytes = 0L;
        _addedInGroup.Clear();
        if (_fault is { } fault)
        {
            FailGroup(new LogUnavailableException("The event log cannot commit: " + fault.Message, fault));
            return;
        }
        foreach (var pending in _group)
        {
            var events = pending.Events;
            queued += events.Count;
            queuedBytes += events.ByteCount;
            // One record per append; duplicates (of the log or of each other) leave it.
            if (_keep.Length < events.Count)
            {
                _keep = new bool[Math.Max(events.Count, _keep.Length * 2)];
            }
            var keep = _keep.AsSpan(0, events.Count);
            keep.Clear();
            int kept = 0, bodyLength = 0;
            for (var i = 0; i < events.Count; i++)
            {
                if (_dedup.Add(events.Hash(i), now))
                {
                    _addedInGroup.Add(events.Hash(i));
                    keep[i] = true;
                    kept++;
                    bodyLength += LogRecord.HashSize + 4 + events.Bytes(i).Length;
                }
            }
            pending.Result = new AppendResult(kept, events.Count - kept);
            if (kept == 0)
            {
                continue;
            }
            EnsureGroupBuffer(length + LogRecord.HeaderSize + bodyLength);
            var record = _groupBuffer.AsSpan(length, LogRecord.HeaderSize + bodyLength);
            LogRecord.WriteHeader(record, bodyLength, kept, _nextPosition, micros);
            var hashes = record[LogRecord.HeaderSize..];
            var payload = hashes[(kept * LogRecord.HashSize)..];
            for (var i = 0; i < events.Count; i++)
            {
                if (!keep[i])
                {
                    continue;
                }
                BinaryPrimitives.WriteUInt128LittleEndian(hashes, events.Hash(i));
                hashes = hashes[LogRecord.HashSize..];
                var bytes = events.Bytes(i);
                BinaryPrimitives.WriteInt32LittleEndian(payload, bytes.Length);
                bytes.CopyTo(payload[4..]);
                payload = payload[(4 + bytes.Length)..];
            }
            LogRecord.Seal(record);
            length += record.Length;
            _nextPosition += kept;
        }

        if (length > 0)
        {
            LogSegment segment;
            lock (_segmentsLock)
            {
                segment = _segments[^1];
            }
            try
            {
                if (segment.Length > 0 && segment.Length + length > _options.SegmentBytes)
                {
                    segment = Roll(groupFirst);
                }
                RandomAccess.Write(_active!, _groupBuffer.AsSpan(0, length), segment.Length);
                RandomAccess.FlushToDisk(_active!);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Rollback(segment, groupFirst, ex);
                return;
            }
            segment.Extend(segment.Length + length, _nextPosition - 1, micros);
            Volatile.Write(ref _durablePosition, _nextPosition - 1);
            lock (_unconfirmedCommits)
            {
                if (_nextPosition - 1 > ConfirmedPosition)
                {
                    _unconfirmedCommits.Enqueue((_nextPosition - 1, _time.GetTimestamp()));
                }
            }
            UpdateBacklog();
        }

        Interlocked.Add(ref _pendingEvents, -queued);
        Interlocked.Add(ref _pendingBytes, -queuedBytes);
        var accepted = 0;
        foreach (var pending in _group)
        {
            accepted += pending.Result.Accepted;
            pending.Completion.TrySetResult(pending.Result);
        }
        if (accepted > 0)
        {
            _metrics.Committed(accepted, Stopwatch.GetElapsedTime(started));
            Interlocked.Exchange(ref _appended, NewSignal()).TrySetResult();
        }
    }

    private void Rollback(LogSegment segment, long groupFirst, Exception failure)
    {
        LogMessages.CommitFailed(_logger, segment.Path, failure);
        foreach (var id in _addedInGroup)
        {
            _dedup.Remove(id);
        }
        _nextPosition = groupFirst;
        try
        {
            // Whatever part of the group reached the file must go, or a restart would find it and keep it.
            RandomAccess.SetLength(_active!, segment.Length);
            RandomAccess.FlushToDisk(_active!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _fault = ex;
            LogMessages.LogFaulted(_logger, segment.Path, ex);
        }
        FailGroup(new LogUnavailableException("The event log could not commit: " + failure.Message, failure));
    }

    private void FailGroup(Exception exception)
    {
        var queued = 0;
        var queuedBytes = 0L;
        foreach (var pending in _group)
        {
            queued += pending.Events.Count;
            queuedBytes += pending.Events.ByteCount;
            pending.Completion.TrySetException(exception);
        }
        Interlocked.Add(ref _pendingEvents, -queued);
        Interlocked.Add(ref _pendingBytes, -queuedBytes);
    }

    private LogSegment Roll(long firstPosition)
    {
        var segment = CreateSegment(firstPosition);
        var handle = File.OpenHandle(segment.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        _active!.Dispose();
        _active = handle;
        lock (_segmentsLock)
        {
            _segments.Add(segment);
        }
        Trim();
        return segment;
    }

    private LogSegment CreateSegment(long firstPosition)
    {
        var path = Path.Combine(_segmentsPath, LogSegment.FileName(firstPosition));
        using (File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write))
        {
        }
        DirectorySync.Flush(_segmentsPath);
        return new LogSegment(path, firstPosition);
    }

    private void EnsureGroupBuffer(int size)
    {
        if (size <= _groupBuffer.Length)
        {
            return;
        }
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(size, _groupBuffer.Length * 2));
        _groupBuffer.AsSpan().CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_groupBuffer);
        _groupBuffer = larger;
    }

    /// <summary>Scans a segment; returns the end of its last intact record, that record's last position and time, and the file's length.</summary>
    private static (long ValidLength, long LastPosition, long LastMicros, long FileLength) Recover(LogSegment segment)
    {
        using var handle = File.OpenHandle(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var fileLength = RandomAccess.GetLength(handle);
        long offset = 0, lastPosition = segment.FirstPosition - 1, lastMicros = 0;
        var header = new byte[LogRecord.HeaderSize];
        var record = Array.Empty<byte>();
        while (offset + LogRecord.HeaderSize <= fileLength)
        {
            if (RandomAccess.Read(handle, header, offset) < LogRecord.HeaderSize
                || !LogRecord.TryReadHeader(header, out var h)
                || h.FirstPosition != lastPosition + 1
                || offset + h.TotalLength > fileLength)
            {
                break;
            }
            if (record.Length < h.TotalLength)
            {
                record = new byte[Math.Max(h.TotalLength, record.Length * 2)];
            }
            if (RandomAccess.Read(handle, record.AsSpan(0, h.TotalLength), offset) < h.TotalLength || !LogRecord.IsIntact(record, h))
            {
                break;
            }
            offset += h.TotalLength;
            lastPosition = h.LastPosition;
            lastMicros = h.IngestMicros;
        }
        return (offset, lastPosition, lastMicros, fileLength);
    }

    /// <summary>Reads the id hashes of the newest records back into the deduplication index; returns how many.</summary>
    private int RebuildDedup()
    {
        var now = _time.GetUtcNow();
        var oldest = now - _options.DedupWindow;
        var records = new List<(DateTimeOffset Time, UInt128[] Hashes)>();
        long total = 0;
        var header = new byte[LogRecord.HeaderSize];
        for (var s = _segments.Count - 1; s >= 0 && total < _options.DedupMaxEntries; s--)
        {
            var segment = _segments[s];
            if (segment.Length == 0 || segment.LastIngestTime < oldest)
            {
                continue;
            }
            var inSegment = new List<(DateTimeOffset, UInt128[])>();
            using var handle = File.OpenHandle(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long offset = 0;
            while (offset + LogRecord.HeaderSize <= segment.Length)
            {
                RandomAccess.Read(handle, header, offset);
                if (!LogRecord.TryReadHeader(header, out var h))
                {
                    break;
                }
                if (h.IngestTime >= oldest)
                {
                    var raw = new byte[h.Count * LogRecord.HashSize];
                    RandomAccess.Read(handle, raw, offset + LogRecord.HeaderSize);
                    var hashes = new UInt128[h.Count];
                    for (var i = 0; i < h.Count; i++)
                    {
                        hashes[i] = BinaryPrimitives.ReadUInt128LittleEndian(raw.AsSpan(i * LogRecord.HashSize));
                    }
                    inSegment.Add((h.IngestTime, hashes));
                    total += h.Count;
                }
                offset += h.TotalLength;
            }
            inSegment.Reverse();
            records.AddRange(inSegment);
        }
        records.Reverse();
        var remembered = 0;
        var skip = Math.Max(0, total - _options.DedupMaxEntries);
        foreach (var (time, hashes) in records)
        {
            foreach (var hash in hashes)
            {
                if (skip > 0)
                {
                    skip--;
                    continue;
                }
                _dedup.Add(hash, time);
                remembered++;
            }
        }
        _dedup.Expire(now);
        Volatile.Write(ref _dedupWindowTicks, _dedup.EffectiveWindow.Ticks);
        return remembered;
    }

    private void Trim()
    {
        var confirmed = ConfirmedPosition;
        var now = _time.GetUtcNow();
        var deleted = new List<LogSegment>();
        lock (_segmentsLock)
        {
            long total = _segments.Sum(s => s.Length);
            // The newest DedupMaxEntries events are what a restart rebuilds the deduplication index from.
            var dedupFloor = DurablePosition - _options.DedupMaxEntries;
            while (_segments.Count > 1)
            {
                var oldest = _segments[0];
                var delivered = oldest.LastPosition <= confirmed;
                var outOfWindow = oldest.LastIngestTime < now - _options.DedupWindow || oldest.LastPosition < dedupFloor;
                if (!delivered || !(outOfWindow || total > _options.MaxBacklogBytes))
                {
                    break;
                }
                _segments.RemoveAt(0);
                total -= oldest.Length;
                deleted.Add(oldest);
            }
        }
        foreach (var segment in deleted)
        {
            try
            {
                File.Delete(segment.Path);
                LogMessages.SegmentDeleted(_logger, segment.Path, segment.LastPosition);
            }
            catch (IOException ex)
            {
                LogMessages.SegmentDeleteFailed(_logger, segment.Path, ex);
            }
        }
        UpdateBacklog();
    }

    private void UpdateBacklog()
    {
        var confirmed = ConfirmedPosition;
        long bytes = 0;
        lock (_segmentsLock)
        {
            foreach (var segment in _segments)
            {
                if (segment.LastPosition > confirmed)
                {
                    bytes += segment.Length;
                }
            }
        }
        Volatile.Write(ref _backlogBytes, bytes);
    }

    private sealed class PendingAppend(EncodedEvents events)
    {
        public EncodedEvents Events { get; } = events;

        public TaskCompletionSource<AppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public AppendResult Result { get; set; }
    }
}
