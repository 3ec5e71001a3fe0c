using System.Net;

namespace Experiments.Grpc.Client;

/// <summary>
/// The body of a call with a request stream. The HTTP handler asks for it as soon as the request headers
/// are sent; the stream it hands over is kept for the writer, and the body ends when the writer
/// completes (half-close) or the call ends. Over HTTP/2 this runs alongside the response: full duplex.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The request body stream; cancelled when the call ends before the handler asks for the body.</summary>
    public Task<Stream> GetStreamAsync() => _stream.Task;

    /// <summary>Ends the body normally: the handler sends END_STREAM.</summary>
    public void Complete()
    {
        _end.TrySetResult();
        _stream.TrySetCanceled();
    }

    /// <summary>Ends the body abnormally: the handler resets the stream if it is still open.</summary>
    public void Abort()
    {
        _end.TrySetCanceled();
        _stream.TrySetCanceled();
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _stream.TrySetResult(stream);
        // The handler cancels when it stops sending the body (the response ended first, or the request failed).
        using var registration = cancellationToken.UnsafeRegister(static end => ((TaskCompletionSource)end!).TrySetCanceled(), _end);
        await _end.Task.ConfigureAwait(false);
    }
}
