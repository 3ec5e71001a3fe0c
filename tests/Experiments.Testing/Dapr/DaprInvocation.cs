using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Experiments.Testing.Dapr;

/// <summary>
/// daprd's gRPC service invocation: a gRPC call to the sidecar's gRPC port that carries <c>dapr-app-id</c> is proxied,
/// message stream for message stream, to the app registered under that id (<see cref="DaprSidecarDouble.RouteApp"/>):
/// request headers and body go through, the response's headers, body and trailers come back. An unknown app id ends the
/// call with UNAVAILABLE, as daprd does when it cannot resolve the app.
/// </summary>
internal sealed class DaprInvocation(DaprSidecarDouble sidecar)
{
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "connection", "transfer-encoding", "keep-alive", "upgrade", "te", "content-length",
    };

    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true });

    public async Task InvokeAsync(HttpContext context, string appId)
    {
        sidecar.RecordInvocation(appId + context.Request.Path, context.Request.Headers["dapr-api-token"].ToString());
        if (sidecar.AppAddress(appId) is not { } target)
        {
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "14";
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString($"failed to resolve address for '{appId}'");
            return;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target, context.Request.Path + context.Request.QueryString))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StreamContent(context.Request.Body),
        };
        foreach (var (name, values) in context.Request.Headers)
        {
            if (name.StartsWith(':') || NotForwarded.Contains(name))
            {
                continue;
            }
            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
        using var response = await _client.SendAsync(request, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!NotForwarded.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }
        await using (var body = await response.Content.ReadAsStreamAsync(context.RequestAborted))
        {
            await body.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>();
        foreach (var (name, values) in response.TrailingHeaders)
        {
            if (trailers is not null)
            {
                context.Response.AppendTrailer(name, values.ToArray());
            }
        }
    }
}
