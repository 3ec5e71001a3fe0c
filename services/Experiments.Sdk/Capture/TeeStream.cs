namespace Experiments.Sdk.Capture;

/// <summary>
/// Passes a body through unchanged — reads from a request body, or writes and flushes to a response body, so streamed
/// responses still stream — and keeps a copy of its first bytes, up to a cap, and the total count.
/// </summary>
internal sealed class TeeStream(Stream inner, int cap, ExchangeRecorder recorder) : Stream
{
    private byte[] _kept = new byte[Math.Min(cap, 4096)];
    private int _keptLength;

    /// <summary>Bytes that passed through.</summary>
    public long Total { get; private set; }

    /// <summary>Milliseconds from the call's start to the first byte; 0 before it.</summary>
    public double FirstByteMs { get; private set; }

    public bool Cut => Total > _keptLength;

    public byte[] Kept => _kept[.._keptLength];

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Keep(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Keep(buffer.Span[..read]);
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Keep(buffer);
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Keep(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }
        if (Total == 0)
        {
            FirstByteMs = recorder.ElapsedMs();
        }
        Total += bytes.Length;
        var room = cap - _keptLength;
        if (room <= 0)
        {
            return;
        }
        var take = Math.Min(room, bytes.Length);
        if (_keptLength + take > _kept.Length)
        {
            Array.Resize(ref _kept, Math.Min(cap, Math.Max(_kept.Length * 2, _keptLength + take)));
        }
        bytes[..take].CopyTo(_kept.AsSpan(_keptLength));
        _keptLength += take;
    }
}
