using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using Experiments.Grpc.Protocol;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Experiments.Grpc.Server;

/// <summary>
/// One call on the server: reads request messages from the HTTP/2 request body, writes response messages,
/// and ends the call with a status in trailers (or Trailers-Only when nothing was sent).
/// </summary>
internal sealed class HttpServerCallContext : ServerCallContext
{
    private readonly HttpContext _http;
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private Dictionary<object, object>? _userState;
    private CancellationTokenSource? _deadlineSource;
    private DateTime _deadline = DateTime.MaxValue;

    // Only a call with a deadline can be completed by a timer while its handler still writes.
    private SemaphoreSlim? _writeLock;
    private bool _wroteMessage;
    private bool _completed;

    public HttpServerCallContext(HttpContext http, GrpcServerOptions options, string method, ILogger logger)
    {
        _http = http;
        _options = options;
        _logger = logger;
        Method = method;
    }

    public override string Method { get; }

    public override string Host => _http.Request.Host.Value ?? "";

    public override string Peer
    {
        get
        {
            var connection = _http.Connection;
            return connection.RemoteIpAddress switch
            {
                null => "unknown",
                { AddressFamily: AddressFamily.InterNetworkV6 } ip => $"ipv6:[{ip}]:{connection.RemotePort}",
                var ip => $"ipv4:{ip}:{connection.RemotePort}",
            };
        }
    }

    public override DateTime Deadline => _deadline;

    public override Metadata RequestHeaders => _requestHeaders ??= MetadataHeaders.FromHttp(_http.Request.Headers);

    public override CancellationToken CancellationToken => _deadlineSource?.Token ?? _http.RequestAborted;

    public override Metadata ResponseTrailers => _responseTrailers ??= [];

    public override Status Status { get; set; } = Status.DefaultSuccess;

    public override WriteOptions? WriteOptions { get; set; }

    public override IDictionary<object, object> UserState => _userState ??= [];

    public override HttpContext HttpContext => _http;

    /// <summary>The encoding of compressed request messages (grpc-encoding), if any.</summary>
    public string? RequestEncoding { get; private set; }

    /// <summary>The encoding response messages are compressed with, if any.</summary>
    public string? ResponseEncoding { get; private set; }

    public bool HasDeadline => _deadlineSource is not null;

    private bool DeadlineExceeded => _deadlineSource is { IsCancellationRequested: true } && !_http.RequestAborted.IsCancellationRequested;

    /// <summary>Reads the call's protocol headers; throws <see cref="RpcException"/> for ones it cannot honour.</summary>
    /// <param name="streamingRequest">Whether the method takes a request stream (client streaming or duplex).</param>
    public void Initialize(bool streamingRequest)
    {
        var request = _http.Request;
        var response = _http.Response;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = MessageCompression.AcceptEncoding;

        // Streams may carry far more than Kestrel's default request body limit; messages are limited one by one.
        if (_http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }
        // A request stream is idle whenever its sender has nothing to send; Kestrel's minimum body data rate would
        // abort it after the grace period (5 s by default), taking the whole call down.
        if (streamingRequest && _http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } bodyRate)
        {
            bodyRate.MinDataRate = null;
        }

        // The typed properties reach Kestrel's known-header fields directly; an indexer with our own name string
        // compares it case-insensitively with every known header of the same length, on every call.
        var encoding = request.Headers.GrpcEncoding.ToString();
        if (encoding.Length > 0 && encoding != GrpcProtocol.IdentityEncoding)
        {
            if (!MessageCompression.IsSupported(encoding))
            {
                throw new RpcException(new Status(StatusCode.Unimplemented,
                    $"Unsupported grpc-encoding '{encoding}'. Supported: {MessageCompression.AcceptEncoding}."));
            }
            RequestEncoding = encoding;
        }

        var algorithm = _options.ResponseCompressionAlgorithm;
        if (algorithm is not null && MessageCompression.Accepts(request.Headers.GrpcAcceptEncoding, algorithm))
        {
            ResponseEncoding = algorithm;
            response.Headers[GrpcProtocol.EncodingHeader] = algorithm;
        }

        var timeoutHeader = request.Headers.GrpcTimeout.ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var timeout))
            {
                GrpcServerLog.InvalidTimeout(_logger, timeoutHeader);
            }
            else if (timeout.TotalMilliseconds < int.MaxValue)
            {
                _deadline = DateTime.UtcNow + timeout;
                _deadlineSource = CancellationTokenSource.CreateLinkedTokenSource(_http.RequestAborted);
                _deadlineSource.CancelAfter(timeout);
                _writeLock = new SemaphoreSlim(1, 1);
            }
        }
    }

    /// <summary>Reads the one request message of a unary or server-streaming call.</summary>
    public async ValueTask<T> ReadSingleMessageAsync<T>(MessageParser<T> parser)
        where T : IMessage<T>
    {
        var reader = _http.Request.BodyReader;
        var token = CancellationToken;
        T? message = default;
        var haveMessage = false;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(token).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                // The transport failed under the call (the client dropped its connection or reset the stream).
                throw ConnectionLost(ex);
            }
            var buffer = result.Buffer;
            if (!haveMessage && MessageFraming.TryReadFrame(ref buffer, _options.MaxReceiveMessageSize, out var compressed, out var payload))
            {
                message = MessageFraming.Parse(parser, payload, compressed, RequestEncoding, _options.MaxReceiveMessageSize);
                haveMessage = true;
            }
            if (haveMessage && buffer.Length > 0)
            {
                throw new RpcException(new Status(StatusCode.Internal, "Additional data after the request message of a unary call."));
            }
            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                if (!haveMessage)
                {
                    throw new RpcException(new Status(StatusCode.Internal, buffer.Length > 0
                        ? "Incomplete request message: the stream ended inside a message."
                        : "The request has no message; a unary call takes exactly one."));
                }
                return message!;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads the next request message of a streaming call; false at the end of the request stream.</summary>
    public async Task<(bool, T?)> ReadNextMessageAsync<T>(MessageParser<T> parser, CancellationToken token)
        where T : IMessage<T>
    {
        var reader = _http.Request.BodyReader;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(token).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                // The transport failed under the call (the client dropped its connection or reset the stream).
                throw ConnectionLost(ex);
            }
            var buffer = result.Buffer;
            if (MessageFraming.TryReadFrame(ref buffer, _options.MaxReceiveMessageSize, out var compressed, out var payload))
            {
                var message = MessageFraming.Parse(parser, payload, compressed, RequestEncoding, _options.MaxReceiveMessageSize);
                reader.AdvanceTo(buffer.Start);
                return (true, message);
            }
            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                if (buffer.Length > 0)
                {
                    throw new RpcException(new Status(StatusCode.Internal, "Incomplete request message: the stream ended inside a message."));
                }
                return (false, default);
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Writes one response message; a unary response is not flushed, so it leaves with the trailers.</summary>
    public async Task WriteMessageAsync(IMessage message, bool flush)
    {
        if (_writeLock is not null)
        {
            await _writeLock.WaitAsync().ConfigureAwait(false);
        }
        try
        {
            if (_completed)
            {
                throw new InvalidOperationException("Can't write the message because the call is complete.");
            }
            var encoding = ResponseEncoding is not null && (WriteOptions?.Flags & WriteFlags.NoCompress) is null or 0 ? ResponseEncoding : null;
            MessageFraming.Write(_http.Response.BodyWriter, message, encoding, _options.MaxSendMessageSize ?? int.MaxValue);
            _wroteMessage = true;
            if (flush && (WriteOptions?.Flags & WriteFlags.BufferHint) is null or 0)
            {
                await _http.Response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock?.Release();
        }
    }

    public override async Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        if (_http.Response.HasStarted || _wroteMessage)
        {
            throw new InvalidOperationException("Response headers can only be sent once per call, before the first message.");
        }
        foreach (var entry in responseHeaders)
        {
            if (GrpcProtocol.IsReservedHeader(entry.Key))
            {
                continue;
            }
            _http.Response.Headers.Append(entry.Key, MetadataHeaders.ToHeaderValue(entry));
        }
        await _http.Response.StartAsync(CancellationToken).ConfigureAwait(false);
        await _http.Response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the handler; if the deadline passes first, ends the call with DEADLINE_EXCEEDED at once.</summary>
    public async Task RunWithDeadlineAsync(Task handler)
    {
        var deadline = Task.Delay(Timeout.Infinite, _deadlineSource!.Token);
        if (await Task.WhenAny(handler, deadline).ConfigureAwait(false) == handler)
        {
            await handler.ConfigureAwait(false);
            return;
        }
        await _writeLock!.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_completed)
            {
                Status = DeadlineExceeded ? new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.") : new Status(StatusCode.Cancelled, "The client cancelled the call.");
                GrpcServerLog.DeadlineExceeded(_logger, Method);
                await CompleteAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
        // The HTTP context stays valid until the handler has returned, whatever it does after its deadline.
        try
        {
            await handler.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or RpcException or IOException)
        {
        }
    }

    private RpcException ConnectionLost(IOException exception) => DeadlineExceeded
        ? new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline exceeded."))
        : new RpcException(new Status(StatusCode.Cancelled, "The connection ended while the request was being read: " + exception.Message));

    /// <summary>Turns a handler failure into the call's status.</summary>
    public void SetError(Exception exception)
    {
        switch (exception)
        {
            case RpcException rpc:
                Status = rpc.Status;
                foreach (var entry in rpc.Trailers)
                {
                    ResponseTrailers.Add(entry);
                }
                break;
            case OperationCanceledException or IOException when DeadlineExceeded:
                Status = new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.");
                break;
            case OperationCanceledException or IOException when _http.RequestAborted.IsCancellationRequested:
                Status = new Status(StatusCode.Cancelled, "The client cancelled the call.");
                break;
            default:
                GrpcServerLog.HandlerFailed(_logger, Method, exception);
                Status = new Status(StatusCode.Unknown, _options.EnableDetailedErrors
                    ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
                    : "Exception was thrown by handler.");
                break;
        }
    }

    /// <summary>Ends the call with <see cref="Status"/>: trailers after messages, or Trailers-Only.</summary>
    public async Task EndCallAsync()
    {
        if (_writeLock is not null)
        {
            await _writeLock.WaitAsync().ConfigureAwait(false);
        }
        try
        {
            if (!_completed && !_http.RequestAborted.IsCancellationRequested)
            {
                await CompleteAsync().ConfigureAwait(false);
            }
            _completed = true;
        }
        finally
        {
            _writeLock?.Release();
            _deadlineSource?.Dispose();
        }
    }

    private Task CompleteAsync()
    {
        _completed = true;
        var response = _http.Response;
        var status = Status;
        if (!response.HasStarted && !_wroteMessage)
        {
            // Trailers-Only: the status travels in the only HEADERS frame, which ends the stream.
            var headers = response.Headers;
            headers[GrpcProtocol.StatusHeader] = ((int)status.StatusCode).ToString(CultureInfo.InvariantCulture);
            if (!string.IsNullOrEmpty(status.Detail))
            {
                headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
            }
            if (_responseTrailers is not null)
            {
                foreach (var entry in _responseTrailers)
                {
                    headers.Append(entry.Key, MetadataHeaders.ToHeaderValue(entry));
                }
            }
            return HasDeadline ? response.CompleteAsync() : Task.CompletedTask;
        }
        // HeaderNames' own instance lets Kestrel find its known grpc-status trailer by reference.
        response.AppendTrailer(HeaderNames.GrpcStatus, StatusText(status.StatusCode));
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.AppendTrailer(GrpcProtocol.MessageHeader, PercentEncoding.Encode(status.Detail));
        }
        if (_responseTrailers is not null)
        {
            foreach (var entry in _responseTrailers)
            {
                response.AppendTrailer(entry.Key, MetadataHeaders.ToHeaderValue(entry));
            }
        }
        // Completing here (rather than returning) matters only when a deadline ends the call early.
        return HasDeadline ? response.CompleteAsync() : Task.CompletedTask;
    }

    private static string StatusText(StatusCode code) => code == StatusCode.OK ? "0" : ((int)code).ToString(CultureInfo.InvariantCulture);
}
