namespace Experiments.Grpc;

/// <summary>
/// What the call objects delegate to: static callbacks plus one state object, so that starting a call
/// allocates no closures.
/// </summary>
internal readonly struct AsyncCallState
{
    private readonly object _responseHeaders;
    private readonly Func<object, Status> _getStatus;
    private readonly Func<object, Metadata> _getTrailers;
    private readonly Action<object> _dispose;
    private readonly object _state;

    public AsyncCallState(
        Func<object, Task<Metadata>> responseHeadersAsync,
        Func<object, Status> getStatusFunc,
        Func<object, Metadata> getTrailersFunc,
        Action<object> disposeAction,
        object state)
    {
        ArgumentNullException.ThrowIfNull(responseHeadersAsync);
        ArgumentNullException.ThrowIfNull(getStatusFunc);
        ArgumentNullException.ThrowIfNull(getTrailersFunc);
        ArgumentNullException.ThrowIfNull(disposeAction);
        ArgumentNullException.ThrowIfNull(state);
        _responseHeaders = responseHeadersAsync;
        _getStatus = getStatusFunc;
        _getTrailers = getTrailersFunc;
        _dispose = disposeAction;
        _state = state;
    }

    public AsyncCallState(Task<Metadata> responseHeadersAsync, Func<Status> getStatusFunc, Func<Metadata> getTrailersFunc, Action disposeAction)
    {
        ArgumentNullException.ThrowIfNull(responseHeadersAsync);
        ArgumentNullException.ThrowIfNull(getStatusFunc);
        ArgumentNullException.ThrowIfNull(getTrailersFunc);
        ArgumentNullException.ThrowIfNull(disposeAction);
        _responseHeaders = responseHeadersAsync;
        _getStatus = static s => ((Callbacks)s).Status();
        _getTrailers = static s => ((Callbacks)s).Trailers();
        _dispose = static s => ((Callbacks)s).Dispose();
        _state = new Callbacks(getStatusFunc, getTrailersFunc, disposeAction);
    }

    public Task<Metadata> ResponseHeadersAsync() => _responseHeaders switch
    {
        Task<Metadata> task => task,
        var factory => ((Func<object, Task<Metadata>>)factory)(_state),
    };

    public Status GetStatus() => _getStatus(_state);

    public Metadata GetTrailers() => _getTrailers(_state);

    public void Dispose() => _dispose(_state);

    private sealed record Callbacks(Func<Status> Status, Func<Metadata> Trailers, Action Dispose);
}
