using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using Experiments.Grpc.Protocol;

namespace Experiments.Grpc.Client;

/// <summary>How the client turns what it sees into a gRPC status (grpc/grpc doc/PROTOCOL-HTTP2.md).</summary>
internal static class ClientStatuses
{
    public static readonly Status Cancelled = new(StatusCode.Cancelled, "Call canceled by the client.");

    public static readonly Status DeadlineExceeded = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    /// <summary>The status of a response without grpc-status (doc/http-grpc-status-mapping.md).</summary>
    public static StatusCode FromHttpStatus(int httpStatus) => httpStatus switch
    {
        >= 100 and < 200 => StatusCode.Internal,
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>The status carried by grpc-status and grpc-message in a header block, or null when it has none.</summary>
    public static Status? FromHeaders(HttpHeaders headers)
    {
        var code = GetValue(headers, GrpcProtocol.StatusHeader);
        if (code is null)
        {
            return null;
        }
        var message = GetValue(headers, GrpcProtocol.MessageHeader);
        if (!int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return new Status(StatusCode.Internal, $"The server sent an invalid grpc-status '{code}'.");
        }
        if (value == 0 && string.IsNullOrEmpty(message))
        {
            return Status.DefaultSuccess;
        }
        return new Status((StatusCode)value, message is null ? "" : PercentEncoding.Decode(message));
    }

    /// <summary>The first value of a header, without validating or allocating.</summary>
    public static string? GetValue(HttpHeaders headers, string name)
    {
        if (!headers.NonValidated.TryGetValues(name, out var values))
        {
            return null;
        }
        foreach (var value in values)
        {
            return value;
        }
        return null;
    }

    /// <summary>
    /// The status of a call that failed with an exception from the HTTP stack: RST_STREAM codes as the
    /// protocol maps them, connection failures as UNAVAILABLE, anything else INTERNAL.
    /// </summary>
    public static Status FromException(Exception exception)
    {
        var code = StatusCode.Internal;
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpProtocolException protocol)
            {
                code = FromHttp2ErrorCode(protocol.ErrorCode);
                break;
            }
            if (current is OperationCanceledException)
            {
                // HttpClient.Timeout surfaces as a cancellation caused by a TimeoutException.
                code = current.InnerException is TimeoutException ? StatusCode.DeadlineExceeded : StatusCode.Cancelled;
                break;
            }
            if (current is SocketException or IOException or AuthenticationException or HttpRequestException)
            {
                code = StatusCode.Unavailable;
                // An inner exception may be more precise (a reset stream inside an IOException).
            }
        }
        return new Status(code, Describe(exception));
    }

    /// <summary>RST_STREAM and GOAWAY error codes (RFC 9113 §7) as PROTOCOL-HTTP2.md maps them.</summary>
    private static StatusCode FromHttp2ErrorCode(long errorCode) => errorCode switch
    {
        0x7 => StatusCode.Unavailable, // REFUSED_STREAM
        0x8 => StatusCode.Cancelled, // CANCEL
        0xb => StatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
        0xc => StatusCode.PermissionDenied, // INADEQUATE_SECURITY
        _ => StatusCode.Internal,
    };

    private static string Describe(Exception exception)
    {
        var text = $"Error in gRPC call. {exception.GetType().Name}: {exception.Message}";
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            text += $" {inner.GetType().Name}: {inner.Message}";
        }
        return text;
    }
}
