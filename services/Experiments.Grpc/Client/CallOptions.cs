namespace Experiments.Grpc;

/// <summary>Per-call options: request metadata, deadline, cancellation and write options.</summary>
public readonly struct CallOptions
{
    /// <summary>Creates call options.</summary>
    /// <param name="headers">Metadata sent as request headers.</param>
    /// <param name="deadline">When the call must have finished, in UTC; null or <see cref="DateTime.MaxValue"/> for none.</param>
    /// <param name="cancellationToken">Cancels the call; it then ends with CANCELLED.</param>
    /// <param name="writeOptions">Options for request messages (e.g. <see cref="WriteFlags.NoCompress"/>).</param>
    public CallOptions(Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default, WriteOptions? writeOptions = null)
    {
        Headers = headers;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        WriteOptions = writeOptions;
    }

    /// <summary>Metadata sent as request headers.</summary>
    public Metadata? Headers { get; }

    /// <summary>When the call must have finished (UTC); it then ends with DEADLINE_EXCEEDED.</summary>
    public DateTime? Deadline { get; }

    /// <summary>Cancels the call; it then ends with CANCELLED.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Options for request messages; the initial <see cref="IAsyncStreamWriter{T}.WriteOptions"/> of a request stream.</summary>
    public WriteOptions? WriteOptions { get; }

    /// <summary>A copy with other request headers.</summary>
    public CallOptions WithHeaders(Metadata? headers) => new(headers, Deadline, CancellationToken, WriteOptions);

    /// <summary>A copy with another deadline (UTC).</summary>
    public CallOptions WithDeadline(DateTime? deadline) => new(Headers, deadline, CancellationToken, WriteOptions);

    /// <summary>A copy with another cancellation token.</summary>
    public CallOptions WithCancellationToken(CancellationToken cancellationToken) => new(Headers, Deadline, cancellationToken, WriteOptions);

    /// <summary>A copy with other write options.</summary>
    public CallOptions WithWriteOptions(WriteOptions? writeOptions) => new(Headers, Deadline, CancellationToken, writeOptions);
}
