namespace Experiments.Grpc;

/// <summary>Reads the messages of a stream one at a time.</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last successful <see cref="MoveNext"/>.</summary>
    T Current { get; }

    /// <summary>Reads the next message; false at the end of the stream.</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken);
}

/// <summary>Writes the messages of a stream; one write at a time.</summary>
public interface IAsyncStreamWriter<in T>
{
    /// <summary>Options for the writes that follow (compression per message).</summary>
    WriteOptions? WriteOptions { get; set; }

    Task WriteAsync(T message);

    Task WriteAsync(T message, CancellationToken cancellationToken) => WriteAsync(message);
}

/// <summary>The response stream of a server-streaming or duplex call, on the server.</summary>
public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T>;

/// <summary>The request stream of a client-streaming or duplex call, on the client.</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Ends the request stream (half-close).</summary>
    Task CompleteAsync();
}
