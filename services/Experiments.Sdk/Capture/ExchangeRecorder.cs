using System.Diagnostics;
using System.Text;
using Experiments.Contracts.V1;
using Experiments.Sdk.Evaluation;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Experiments.Sdk.Capture;

/// <summary>
/// Builds one sampled exchange as the call runs. Every value is redacted as it is added, so nothing unredacted is ever
/// held here; message payloads and text count against <see cref="CaptureOptions.MaxExchangeBytes"/>. A failure to
/// record abandons the exchange (counted), never the call. Safe for a duplex call's reader and writer at once.
/// </summary>
internal sealed class ExchangeRecorder
{
    private static readonly double MillisecondsPerTimestamp = 1000.0 / Stopwatch.Frequency;

    // Past the cap a message still costs an entry (size and time): a long stream keeps this many, then no more.
    private const int MaxMessagesPastCap = 100;

    private readonly Capturer _capturer;
    private readonly CapturedExchange _exchange;
    private readonly HashSet<string> _redactions = new(StringComparer.Ordinal);
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly Lock _gate = new();
    private int _left;
    private int _pastCap;
    private bool _done;

    public ExchangeRecorder(Capturer capturer, HttpContext http, CaptureProtocol protocol, string apiName, string clientId, string grpcCallType)
    {
        _capturer = capturer;
        _left = Math.Max(0, capturer.MaxExchangeBytes);
        var request = http.Request;
        var query = request.QueryString.HasValue
            ? "?" + QueryRedaction.Redact(request.QueryString.Value![1..], capturer.Redactor.TopLevelNames, "request", _redactions)
            : "";
        _exchange = new CapturedExchange
        {
            CaptureId = Guid.CreateVersion7().ToString(),
            ServiceName = capturer.ServiceName,
            ClientId = clientId,
            Protocol = protocol,
            ApiName = apiName,
            HttpMethod = request.Method,
            Path = request.PathBase.Add(request.Path).ToUriComponent() + query,
            Authority = request.Host.Value ?? "",
            HttpVersion = request.Protocol,
            GrpcCallType = grpcCallType,
            StartTime = Timestamp.FromDateTimeOffset(capturer.Clock.GetUtcNow()),
        };
        foreach (var (name, values) in request.Headers)
        {
            AddHeader(_exchange.RequestHeaders, name, values);
        }
    }

    public string ApiName => _exchange.ApiName;

    /// <summary>Bytes of payload and text this exchange may hold in all.</summary>
    public int MaxBytes => _capturer.MaxExchangeBytes;

    /// <summary>The unit the call serves: its user id, else its session id.</summary>
    public void SetUnit(object? unit)
    {
        var served = new ServedUnit(unit);
        var id = served.UserId.Length > 0 ? served.UserId : served.SessionId;
        lock (_gate)
        {
            _exchange.UnitId = id;
        }
    }

    public void AddVariant(string flagKey, string variant)
    {
        lock (_gate)
        {
            _exchange.Variants[flagKey] = variant;
        }
    }

    /// <summary>A gRPC message: its protobuf bytes and JSON mapping after redaction.</summary>
    public void AddMessage(bool request, object? message)
    {
        if (message is not IMessage protobuf)
        {
            // Another marshaller than protobuf's: nothing to read it with.
            return;
        }
        try
        {
            lock (_gate)
            {
                if (_done)
                {
                    return;
                }
                var offset = ElapsedMs();
                var size = protobuf.CalculateSize();
                var redacted = _capturer.Redactor.Protobuf.Redact(protobuf, request ? "request" : "response", _redactions);
                var payload = redacted.ToByteArray();
                Add(request ? _exchange.RequestMessages : _exchange.ResponseMessages, payload, Json(redacted), protobuf.Descriptor.FullName, size, offset, cut: false);
            }
        }
        catch (Exception exception)
        {
            // Ours, not the app's: the exchange is abandoned, the call goes on.
            Abandon(exception);
        }
    }

    /// <summary>
    /// An HTTP body: <paramref name="kept"/> holds its first bytes (all of them unless <paramref name="cut"/>), of
    /// <paramref name="size"/> in all. JSON and form bodies are redacted; one that cannot be (cut, or not valid JSON) is
    /// withheld, its size and type kept.
    /// </summary>
    public void AddBody(bool request, byte[] kept, long size, bool cut, string? contentType, double offsetMs)
    {
        try
        {
            lock (_gate)
            {
                if (_done || (size == 0 && kept.Length == 0))
                {
                    return;
                }
                var direction = request ? "request" : "response";
                var kind = BodyKinds.Of(contentType);
                var redactor = _capturer.Redactor;
                byte[]? payload = kept;
                if (kind == BodyKind.Json && redactor.Paths.Length > 0)
                {
                    payload = cut ? null : JsonRedaction.Redact(kept, redactor.Paths, direction, _redactions);
                }
                else if (kind == BodyKind.Form && redactor.TopLevelNames.Count > 0)
                {
                    payload = cut ? null : Encoding.UTF8.GetBytes(QueryRedaction.Redact(Encoding.UTF8.GetString(kept), redactor.TopLevelNames, direction, _redactions));
                }
                var withheld = payload is null;
                if (withheld)
                {
                    // Nothing of a body whose fields could not be redacted leaves the process.
                    _redactions.Add(direction + ":$");
                }
                payload ??= [];
                var text = kind == BodyKind.Binary ? "" : Encoding.UTF8.GetString(payload);
                Add(request ? _exchange.RequestMessages : _exchange.ResponseMessages, payload, text, contentType ?? "", (int)Math.Min(size, int.MaxValue), offsetMs, cut || withheld);
            }
        }
        catch (Exception exception)
        {
            // Ours, not the app's: the exchange is abandoned, the call goes on.
            Abandon(exception);
        }
    }

    /// <summary>Ends a gRPC exchange: response headers then trailers, and the status the call ends with.</summary>
    public void CompleteGrpc(HttpContext http, Metadata trailers, Status status)
    {
        try
        {
            lock (_gate)
            {
                if (_done)
                {
                    return;
                }
                foreach (var (name, values) in http.Response.Headers)
                {
                    AddHeader(_exchange.ResponseHeaders, name, values);
                }
                foreach (var entry in trailers)
                {
                    AddHeader(_exchange.ResponseHeaders, entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value);
                }
                AddHeader(_exchange.ResponseHeaders, "grpc-status", ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                // A handler that returns leaves the status unset: OK without a detail.
                var detail = status.Detail ?? "";
                if (detail.Length > 0)
                {
                    AddHeader(_exchange.ResponseHeaders, "grpc-message", detail);
                }
                _exchange.StatusCode = (int)status.StatusCode;
                _exchange.StatusMessage = detail;
            }
            Submit();
        }
        catch (Exception exception)
        {
            // Ours, not the app's: the exchange is abandoned, the call goes on.
            Abandon(exception);
        }
    }

    /// <summary>Ends an HTTP exchange with its response headers and status.</summary>
    public void CompleteHttp(HttpContext http, int statusCode)
    {
        try
        {
            lock (_gate)
            {
                if (_done)
                {
                    return;
                }
                foreach (var (name, values) in http.Response.Headers)
                {
                    AddHeader(_exchange.ResponseHeaders, name, values);
                }
                _exchange.StatusCode = statusCode;
            }
            Submit();
        }
        catch (Exception exception)
        {
            // Ours, not the app's: the exchange is abandoned, the call goes on.
            Abandon(exception);
        }
    }

    public double ElapsedMs() => (Stopwatch.GetTimestamp() - _start) * MillisecondsPerTimestamp;

    private void Submit()
    {
        CapturedExchange exchange;
        lock (_gate)
        {
            _done = true;
            _exchange.DurationMs = ElapsedMs();
            _exchange.Redactions.AddRange(_redactions.Order(StringComparer.Ordinal));
            exchange = _exchange;
        }
        _capturer.Submit(exchange);
    }

    private void AddHeader(RepeatedField<CapturedHeader> headers, string name, StringValues values)
    {
        var lower = name.ToLowerInvariant();
        var redact = _capturer.Redactor.RedactsHeader(lower);
        foreach (var value in values)
        {
            headers.Add(new CapturedHeader { Name = lower, Value = redact ? Redactor.Redacted : value ?? "" });
        }
        if (redact && values.Count > 0)
        {
            _redactions.Add("header:" + lower);
        }
    }

    /// <summary>Adds a message within what is left of the exchange's size cap: cut at it, empty past it, flagged either way.</summary>
    private void Add(RepeatedField<CapturedMessage> messages, byte[] payload, string text, string typeName, int size, double offsetMs, bool cut)
    {
        if (_left == 0 && _exchange.Truncated && ++_pastCap > MaxMessagesPastCap)
        {
            return;
        }
        var message = new CapturedMessage { TypeName = typeName, SizeBytes = size, OffsetMs = offsetMs, Truncated = cut };
        if (payload.Length + text.Length <= _left)
        {
            _left -= payload.Length + text.Length;
        }
        else
        {
            var keepPayload = Math.Min(payload.Length, text.Length == 0 ? _left : _left / 2);
            var keepText = Math.Min(text.Length, _left - keepPayload);
            if (keepText > 0 && char.IsHighSurrogate(text[keepText - 1]))
            {
                keepText--;
            }
            payload = payload[..keepPayload];
            text = text[..keepText];
            _left -= keepPayload + keepText;
            message.Truncated = true;
        }
        message.Payload = ByteString.CopyFrom(payload);
        message.Text = text;
        _exchange.Truncated |= message.Truncated;
        messages.Add(message);
    }

    private static string Json(IMessage message)
    {
        try
        {
            return JsonFormatter.Default.Format(message);
        }
        catch (Exception exception) when (exception is InvalidOperationException or InvalidProtocolBufferException or ArgumentException)
        {
            // E.g. an Any whose type is not known here: the protobuf bytes are still recorded.
            return "";
        }
    }

    /// <summary>Abandons the exchange after a failure to record it (counted, logged).</summary>
    private void Abandon(Exception exception)
    {
        lock (_gate)
        {
            if (_done)
            {
                return;
            }
            _done = true;
        }
        _capturer.Failed(_exchange.ApiName, exception);
    }
}
