using System.Globalization;
using Experiments.Grpc.Protocol;
using Microsoft.AspNetCore.Http;

namespace Experiments.Grpc.Server;

/// <summary>Responses for requests that are not gRPC calls, or call nothing we serve.</summary>
internal static class ProtocolErrors
{
    public static Task WriteUnsupportedMediaTypeAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
        http.Response.Headers[GrpcProtocol.StatusHeader] = ((int)StatusCode.Internal).ToString(CultureInfo.InvariantCulture);
        http.Response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(
            $"Content-Type '{http.Request.ContentType}' is not supported; gRPC calls use '{GrpcProtocol.ContentType}'.");
        return Task.CompletedTask;
    }

    /// <summary>A Trailers-Only UNIMPLEMENTED response.</summary>
    public static Task WriteUnimplementedAsync(HttpContext http, string message)
    {
        var response = http.Response;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = ((int)StatusCode.Unimplemented).ToString(CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(message);
        return Task.CompletedTask;
    }
}
