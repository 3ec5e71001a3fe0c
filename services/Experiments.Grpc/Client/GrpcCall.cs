using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Experiments.Grpc.Protocol;
using Google.Protobuf;

namespace Experiments.Grpc.Client;

/// <summary>
/// One call on the client, of any kind: sends the HTTP/2 request, reads response messages and the status,
/// and ends exactly once — with the server's status, or with the first failure, cancellation or deadline.
/// Ending a call cancels its HTTP request if it is still open and frees what it holds.
/// </summary>
internal sealed class GrpcCall<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private const string UserAgent = "grpc-dotnet-experiments/1.0";
    private const string StatusDetailsHeader = "grpc-status-details-bin";
    private const int Idle = 0;
    private const int Reading = 1;
    private const int Released = 2;

    // .NET timers take at most ~49 days; a deadline further away is still sent to the server.
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
    private static readonly Status MissingStatus = new(StatusCode.Unknown, "Bad gRPC response: the response ended without a grpc-status.");
    private static readonly Status NoResponseMessage = new(StatusCode.Internal, "Bad gRPC response: the call ended with status OK but without a response message.");
    private static readonly Action<object?> CancelCallback = static call => ((GrpcCall<TRequest, TResponse>)call!).Cancel(ClientStatuses.Cancelled);

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly TimeSpan? _timeout;
    private readonly CancellationTokenSource _cts = new();
    private readonly Lock _lock = new();
    private CancellationTokenRegistration _callerRegistration;
    private ITimer? _deadlineTimer;

    private HttpRequestMessage? _request;
    private StreamingRequestContent? _requestContent;
    private Task<HttpResponseMessage?>? _sendTask;
    private HttpResponseMessage? _response;
    private HttpResponseHeaders? _responseHeaders;
    private bool _headersReceived;
    private string? _responseEncoding;
    private TaskCompletionSource<Metadata>? _headersSource;
    private Task<Metadata>? _headersTask;
    private Metadata? _headersMetadata;

    private bool _finished;
    private Status _status;
    private Metadata? _trailers;
    private HttpHeaders? _trailerHeaders;

    private MessageReader? _reader;
    private int _readState;
    private TResponse? _current;

    private ArrayBufferWriter<byte>? _writeBuffer;
    private bool _writing;
    private bool _requestCompleted;

    public GrpcCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        if (options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            if (deadline.Kind != DateTimeKind.Utc && deadline != DateTime.MinValue)
            {
                throw new ArgumentException("The call's deadline must be a UTC time (DateTimeKind.Utc).", nameof(options));
            }
            _timeout = deadline - DateTime.UtcNow;
        }
    }

    public TResponse Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true yet.");

    private bool IsFinished
    {
        get
        {
            lock (_lock)
            {
                return _finished;
            }
        }
    }

    public Task<TResponse> StartUnary(TRequest request)
    {
        var content = new UnaryRequestContent();
        _request = CreateRequest(content);
        return UnaryResponseAsync(request, content);
    }

    public void StartServerStreaming(TRequest request)
    {
        var content = new UnaryRequestContent();
        _request = CreateRequest(content);
        try
        {
            MessageFraming.Write(content, request, RequestEncoding(_options.WriteOptions), _channel.MaxSendMessageSize);
        }
        catch (RpcException ex)
        {
            TryFinish(ex.Status, ex.Trailers);
            return;
        }
        if (Begin())
        {
            _sendTask = SendAsync();
        }
    }

    public Task<TResponse> StartClientStreaming()
    {
        StartStreamingRequest();
        return UnaryResponseAsync(null, null);
    }

    public void StartDuplexStreaming() => StartStreamingRequest();

    /// <summary>Ends the call with <paramref name="status"/> unless it has ended already.</summary>
    public void Cancel(Status status) => TryFinish(status, null);

    public Status GetStatus()
    {
        lock (_lock)
        {
            return _finished ? _status : throw new InvalidOperationException("Can't get the status because the call is not complete.");
        }
    }

    public Metadata GetTrailers()
    {
        lock (_lock)
        {
            if (!_finished)
            {
                throw new InvalidOperationException("Can't get the trailers because the call is not complete.");
            }
            return _trailers ??= TrailersFrom(_trailerHeaders);
        }
    }

    public Task<Metadata> GetResponseHeadersAsync()
    {
        lock (_lock)
        {
            if (_headersTask is not null)
            {
                return _headersTask;
            }
            if (HeadersAvailable())
            {
                return _headersTask = Task.FromResult(HeadersMetadata());
            }
            if (_finished)
            {
                return _headersTask = Task.FromException<Metadata>(CreateException());
            }
            _headersSource = new TaskCompletionSource<Metadata>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _headersTask = _headersSource.Task;
        }
    }

    /// <summary>Reads the next response message of a streaming call; false once the call ended with OK.</summary>
    public async Task<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        var state = Interlocked.CompareExchange(ref _readState, Reading, Idle);
        if (state == Reading)
        {
            throw new InvalidOperationException("Can't read the next message because the previous read is still in progress.");
        }
        if (state == Released)
        {
            return EndOfResponses();
        }
        var registration = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(CancelCallback, this) : default;
        try
        {
            var response = _sendTask is null ? null : await _sendTask.ConfigureAwait(false);
            if (response is null || IsFinished)
            {
                return EndOfResponses();
            }
            _reader ??= new MessageReader(await response.Content.ReadAsStreamAsync(_cts.Token).ConfigureAwait(false));
            var message = await _reader.ReadAsync(_method.ResponseParser, _channel.MaxReceiveMessageSize, _responseEncoding, _cts.Token).ConfigureAwait(false);
            if (message is not null)
            {
                _current = message;
                return true;
            }
            var trailers = response.TrailingHeaders;
            TryFinish(ClientStatuses.FromHeaders(trailers) ?? MissingStatus, null, trailers);
            return EndOfResponses();
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }
        finally
        {
            registration.Dispose();
            Volatile.Write(ref _readState, Idle);
            if (IsFinished)
            {
                ReleaseReaderIfIdle();
            }
        }
    }

    /// <summary>Writes one request message of a streaming call, flushed unless <see cref="WriteFlags.BufferHint"/>.</summary>
    public async Task WriteAsync(TRequest message, WriteOptions? writeOptions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            if (_requestCompleted)
            {
                throw new InvalidOperationException("Can't write the message because the request stream is complete.");
            }
            if (_writing)
            {
                throw new InvalidOperationException("Can't write the message because the previous write is still in progress.");
            }
            if (_finished)
            {
                throw WriteAfterEnd();
            }
            _writing = true;
        }
        var registration = cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(CancelCallback, this) : default;
        try
        {
            var stream = await _requestContent!.GetStreamAsync().ConfigureAwait(false);
            var buffer = _writeBuffer ??= new ArrayBufferWriter<byte>();
            buffer.ResetWrittenCount();
            MessageFraming.Write(buffer, message, RequestEncoding(writeOptions), _channel.MaxSendMessageSize);
            await stream.WriteAsync(buffer.WrittenMemory, _cts.Token).ConfigureAwait(false);
            if ((writeOptions?.Flags & WriteFlags.BufferHint) is null or 0)
            {
                await stream.FlushAsync(_cts.Token).ConfigureAwait(false);
            }
        }
        catch (RpcException ex) when (!IsFinished)
        {
            // The message is over the send limit: the call fails, as it would on the server.
            throw Fail(ex);
        }
        catch (Exception ex)
        {
            // The body closes when the response ends first; the response's status says more than the write error.
            if (!IsFinished && _sendTask is not null)
            {
                await _sendTask.ConfigureAwait(false);
            }
            if (IsFinished)
            {
                throw WriteAfterEnd();
            }
            throw new RpcException(ClientStatuses.FromException(ex));
        }
        finally
        {
            registration.Dispose();
            lock (_lock)
            {
                _writing = false;
            }
        }
    }

    /// <summary>Half-closes the request stream: the server sees its end.</summary>
    public Task CompleteRequestAsync()
    {
        lock (_lock)
        {
            if (_writing)
            {
                throw new InvalidOperationException("Can't complete the request stream while a write is in progress.");
            }
            // Half-closing a call the server has already ended is no error (as in grpc-dotnet): its status is the
            // response's to report, and a server that fails the call before the client half-closes must not make
            // CompleteAsync throw only when it happens to win that race.
            _requestCompleted = true;
        }
        _requestContent!.Complete();
        return Task.CompletedTask;
    }

    private void StartStreamingRequest()
    {
        _requestContent = new StreamingRequestContent();
        _request = CreateRequest(_requestContent);
        if (Begin())
        {
            _sendTask = SendAsync();
        }
    }

    /// <summary>Arms the deadline timer and the caller's token; false when the call has ended already.</summary>
    private bool Begin()
    {
        if (_timeout is { } timeout)
        {
            if (timeout <= TimeSpan.Zero)
            {
                TryFinish(ClientStatuses.DeadlineExceeded, null);
                return false;
            }
            if (timeout < MaxTimerDelay)
            {
                _deadlineTimer = TimeProvider.System.CreateTimer(
                    static call => ((GrpcCall<TRequest, TResponse>)call!).Cancel(ClientStatuses.DeadlineExceeded),
                    this, timeout, Timeout.InfiniteTimeSpan);
            }
        }
        if (_options.CancellationToken.CanBeCanceled)
        {
            _callerRegistration = _options.CancellationToken.UnsafeRegister(CancelCallback, this);
        }
        return !IsFinished;
    }

    private HttpRequestMessage CreateRequest(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _channel.GetMethodUri(_method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation("TE", "trailers");
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, MessageCompression.AcceptEncoding);
        if (_channel.RequestCompression is { } encoding)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, encoding);
        }
        if (_timeout is { } timeout && timeout > TimeSpan.Zero)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(timeout));
        }
        var addUserAgent = true;
        if (_options.Headers is { } metadata)
        {
            for (var i = 0; i < metadata.Count; i++)
            {
                var entry = metadata[i];
                if (GrpcProtocol.IsReservedHeader(entry.Key))
                {
                    continue;
                }
                addUserAgent &= entry.Key != "user-agent";
                headers.TryAddWithoutValidation(entry.Key, MetadataHeaders.ToHeaderValue(entry));
            }
        }
        if (addUserAgent)
        {
            headers.TryAddWithoutValidation("User-Agent", UserAgent);
        }
        content.Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
        return request;
    }

    private string? RequestEncoding(WriteOptions? writeOptions) =>
        (writeOptions?.Flags & WriteFlags.NoCompress) is null or 0 ? _channel.RequestCompression : null;

    /// <summary>The request of a streaming call; never throws, a failure ends the call.</summary>
    private async Task<HttpResponseMessage?> SendAsync()
    {
        try
        {
            return OnResponseHeaders(await _channel.SendAsync(_request!, _cts.Token).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            Fail(ex);
            return null;
        }
    }

    /// <summary>
    /// Checks the response headers. Returns the response when messages may follow; null when the headers
    /// ended the call (Trailers-Only, or not a gRPC response) or the call had ended already.
    /// </summary>
    private HttpResponseMessage? OnResponseHeaders(HttpResponseMessage response)
    {
        var headers = response.Headers;
        Status? endStatus;
        var trailersOnly = false;
        if (ClientStatuses.FromHeaders(headers) is { } status)
        {
            trailersOnly = true;
            endStatus = status.StatusCode == StatusCode.OK && _method.Type is MethodType.Unary or MethodType.ClientStreaming ? NoResponseMessage : status;
        }
        else if (response.StatusCode != HttpStatusCode.OK)
        {
            var code = (int)response.StatusCode;
            endStatus = new Status(ClientStatuses.FromHttpStatus(code), $"Bad gRPC response: HTTP status code {code}.");
        }
        else if (ClientStatuses.GetValue(response.Content.Headers, "Content-Type") is var contentType && !GrpcProtocol.IsGrpcContentType(contentType))
        {
            endStatus = new Status(ClientStatuses.FromHttpStatus((int)response.StatusCode),
                $"Bad gRPC response: content type '{contentType}' is not {GrpcProtocol.ContentType}.");
        }
        else
        {
            endStatus = null;
        }

        TaskCompletionSource<Metadata>? headersSource = null;
        lock (_lock)
        {
            if (!_finished)
            {
                _response = response;
                _responseHeaders = headers;
                _responseEncoding = ClientStatuses.GetValue(headers, GrpcProtocol.EncodingHeader);
                if (endStatus is null)
                {
                    _headersReceived = true;
                    headersSource = _headersSource;
                }
            }
        }
        if (!ReferenceEquals(_response, response))
        {
            response.Dispose();
            return null;
        }
        if (endStatus is { } end)
        {
            TryFinish(end, null, trailersOnly ? headers : null);
            return null;
        }
        headersSource?.TrySetResult(HeadersMetadata());
        return response;
    }

    /// <summary>The response of a unary call (request given) or a client-streaming call (request sent by the writer).</summary>
    private async Task<TResponse> UnaryResponseAsync(TRequest? request, UnaryRequestContent? content)
    {
        MessageReader? reader = null;
        try
        {
            HttpResponseMessage? response;
            if (request is not null)
            {
                MessageFraming.Write(content!, request, RequestEncoding(_options.WriteOptions), _channel.MaxSendMessageSize);
                response = Begin() ? OnResponseHeaders(await _channel.SendAsync(_request!, _cts.Token).ConfigureAwait(false)) : null;
            }
            else
            {
                response = _sendTask is null ? null : await _sendTask.ConfigureAwait(false);
            }
            if (response is null)
            {
                throw CreateException();
            }
            reader = new MessageReader(await response.Content.ReadAsStreamAsync(_cts.Token).ConfigureAwait(false));
            var maxSize = _channel.MaxReceiveMessageSize;
            var message = await reader.ReadAsync(_method.ResponseParser, maxSize, _responseEncoding, _cts.Token).ConfigureAwait(false);
            if (message is not null && await reader.ReadAsync(_method.ResponseParser, maxSize, _responseEncoding, _cts.Token).ConfigureAwait(false) is not null)
            {
                throw new RpcException(new Status(StatusCode.Internal, "Bad gRPC response: more than one message in response to a call that takes one."));
            }
            var trailers = response.TrailingHeaders;
            var status = ClientStatuses.FromHeaders(trailers) ?? MissingStatus;
            TryFinish(status.StatusCode == StatusCode.OK && message is null ? NoResponseMessage : status, null, trailers);
            if (message is null || _status.StatusCode != StatusCode.OK)
            {
                throw CreateException();
            }
            return message;
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }
        finally
        {
            reader?.Release();
        }
    }

    /// <summary>Ends the call with the status an exception stands for (unless it has ended); returns what to throw.</summary>
    private RpcException Fail(Exception exception)
    {
        if (exception is RpcException rpc)
        {
            TryFinish(rpc.Status, rpc.Trailers);
        }
        else
        {
            TryFinish(ClientStatuses.FromException(exception), null);
        }
        lock (_lock)
        {
            return exception is RpcException same && same.Status == _status ? same : CreateException();
        }
    }

    /// <summary>
    /// Ends the call once: records the status, and on failure cancels the HTTP request (RST_STREAM when
    /// still open) so pending reads and writes stop. Then frees what the call holds.
    /// </summary>
    private bool TryFinish(Status status, Metadata? trailers, HttpHeaders? trailerHeaders = null)
    {
        TaskCompletionSource<Metadata>? headersSource;
        bool headersAvailable;
        lock (_lock)
        {
            if (_finished)
            {
                return false;
            }
            _finished = true;
            _status = status;
            _trailers = trailers;
            _trailerHeaders = trailerHeaders;
            headersSource = _headersSource;
            headersAvailable = HeadersAvailable();
        }
        var ok = status.StatusCode == StatusCode.OK;
        if (!ok)
        {
            _cts.Cancel();
        }
        _callerRegistration.Unregister();
        _deadlineTimer?.Dispose();
        if (ok)
        {
            _requestContent?.Complete();
        }
        else
        {
            _requestContent?.Abort();
        }
        if (headersSource is not null)
        {
            if (headersAvailable)
            {
                headersSource.TrySetResult(HeadersMetadata());
            }
            else
            {
                headersSource.TrySetException(CreateException());
            }
        }
        _response?.Dispose();
        _request?.Dispose();
        ReleaseReaderIfIdle();
        return true;
    }

    /// <summary>Response headers arrived, or a Trailers-Only response ended the call with OK. Under the lock.</summary>
    private bool HeadersAvailable() =>
        _headersReceived || (_finished && _responseHeaders is not null && _status.StatusCode == StatusCode.OK);

    private Metadata HeadersMetadata()
    {
        lock (_lock)
        {
            return _headersMetadata ??= _responseHeaders is null ? [] : MetadataHeaders.FromHttp(_responseHeaders);
        }
    }

    private void ReleaseReaderIfIdle()
    {
        if (Interlocked.CompareExchange(ref _readState, Released, Idle) == Idle)
        {
            _reader?.Release();
        }
    }

    private bool EndOfResponses()
    {
        lock (_lock)
        {
            if (_status.StatusCode == StatusCode.OK)
            {
                _current = null;
                return false;
            }
            throw CreateException();
        }
    }

    private Exception WriteAfterEnd()
    {
        lock (_lock)
        {
            return _status.StatusCode == StatusCode.OK
                ? new InvalidOperationException("Can't write the message because the call is complete.")
                : CreateException();
        }
    }

    /// <summary>The exception for the call's final status. Under the lock, or once the call has ended.</summary>
    private RpcException CreateException()
    {
        lock (_lock)
        {
            return new RpcException(_status, _trailers ??= TrailersFrom(_trailerHeaders));
        }
    }

    private static Metadata TrailersFrom(HttpHeaders? headers)
    {
        if (headers is null)
        {
            return [];
        }
        var trailers = MetadataHeaders.FromHttp(headers);
        // Rich error details (google.rpc.Status) travel in a reserved header; callers need them.
        if (ClientStatuses.GetValue(headers, StatusDetailsHeader) is { } details && MetadataHeaders.TryDecodeBase64(details) is { } bytes)
        {
            trailers.Add(StatusDetailsHeader, bytes);
        }
        // So is the server's retry advice when it sheds load (RESOURCE_EXHAUSTED, UNAVAILABLE).
        if (ClientStatuses.GetValue(headers, GrpcProtocol.RetryPushbackHeader) is { } pushback)
        {
            trailers.Add(GrpcProtocol.RetryPushbackHeader, pushback);
        }
        return trailers;
    }
}
