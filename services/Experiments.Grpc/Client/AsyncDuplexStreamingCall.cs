namespace Experiments.Grpc;

/// <summary>
/// A call with streams both ways, full duplex: write to <see cref="RequestStream"/> while reading
/// <see cref="ResponseStream"/>. Disposing it cancels the call if it is still running.
/// </summary>
public sealed class AsyncDuplexStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly AsyncCallState _state;

    /// <summary>Creates a call from delegates; for test doubles.</summary>
    public AsyncDuplexStreamingCall(
        IClientStreamWriter<TRequest> requestStream,
        IAsyncStreamReader<TResponse> responseStream,
        Task<Metadata> responseHeadersAsync,
        Func<Status> getStatusFunc,
        Func<Metadata> getTrailersFunc,
        Action disposeAction)
    {
        RequestStream = requestStream ?? throw new ArgumentNullException(nameof(requestStream));
        ResponseStream = responseStream ?? throw new ArgumentNullException(nameof(responseStream));
        _state = new AsyncCallState(responseHeadersAsync, getStatusFunc, getTrailersFunc, disposeAction);
    }

    /// <summary>Creates a call from static callbacks and their state object, without allocating closures.</summary>
    public AsyncDuplexStreamingCall(
        IClientStreamWriter<TRequest> requestStream,
        IAsyncStreamReader<TResponse> responseStream,
        Func<object, Task<Metadata>> responseHeadersAsync,
        Func<object, Status> getStatusFunc,
        Func<object, Metadata> getTrailersFunc,
        Action<object> disposeAction,
        object state)
    {
        RequestStream = requestStream ?? throw new ArgumentNullException(nameof(requestStream));
        ResponseStream = responseStream ?? throw new ArgumentNullException(nameof(responseStream));
        _state = new AsyncCallState(responseHeadersAsync, getStatusFunc, getTrailersFunc, disposeAction, state);
    }

    /// <summary>The request messages; call <see cref="IClientStreamWriter{T}.CompleteAsync"/> after the last.</summary>
    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The response messages.</summary>
    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    /// <summary>The response headers, once they arrive; faults when the call fails before sending any.</summary>
    public Task<Metadata> ResponseHeadersAsync => _state.ResponseHeadersAsync();

    /// <summary>The call's status; throws <see cref="InvalidOperationException"/> while the call is running.</summary>
    public Status GetStatus() => _state.GetStatus();

    /// <summary>The trailers the server sent; throws <see cref="InvalidOperationException"/> while the call is running.</summary>
    public Metadata GetTrailers() => _state.GetTrailers();

    /// <summary>Cancels the call if it is still running, and frees its resources.</summary>
    public void Dispose() => _state.Dispose();
}
