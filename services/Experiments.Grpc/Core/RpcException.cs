namespace Experiments.Grpc;

/// <summary>
/// A call that ended with a non-OK status. Thrown by handlers to end a call with that status, and by the
/// client for every failure, carrying the status and the trailers the server sent.
/// </summary>
public class RpcException : Exception
{
    public RpcException(Status status)
        : this(status, new Metadata(), status.Detail)
    {
    }

    public RpcException(Status status, string message)
        : this(status, new Metadata(), message)
    {
    }

    public RpcException(Status status, Metadata trailers)
        : this(status, trailers, status.Detail)
    {
    }

    public RpcException(Status status, Metadata trailers, string message)
        : base(message.Length == 0 ? $"Status(StatusCode=\"{status.StatusCode}\")" : message)
    {
        Status = status;
        Trailers = trailers;
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>Trailing metadata: set by a handler to send it, filled by the client with what arrived.</summary>
    public Metadata Trailers { get; }
}
