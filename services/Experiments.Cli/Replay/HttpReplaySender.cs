using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Experiments.Contracts.V1;

namespace Experiments.Cli.Replay;

/// <summary>
/// Replays an HTTP exchange: the recorded method, path and query, headers and body against the target. An exchange
/// recorded over HTTP/2 is sent over HTTP/2, with prior knowledge when the target is <c>http://</c> (h2c has no upgrade
/// in HttpClient); otherwise HTTP/1.1. Responses are read whole and not decompressed, redirects not followed.
/// </summary>
internal sealed class HttpReplaySender(HttpMessageInvoker client, Uri target) : IReplaySender
{
    public static HttpMessageInvoker CreateClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        EnableMultipleHttp2Connections = true,
    });

    public async Task<ReplayOutcome> SendAsync(CapturedExchange exchange, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(exchange.HttpMethod.Length > 0 ? exchange.HttpMethod : "GET"), new Uri(target, exchange.Path));
        if (exchange.HttpVersion.StartsWith("HTTP/2", StringComparison.OrdinalIgnoreCase))
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = target.Scheme == Uri.UriSchemeHttp ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower;
        }
        if (exchange.RequestMessages.Count > 0 && !exchange.RequestMessages[0].Payload.IsEmpty)
        {
            request.Content = new ByteArrayContent(exchange.RequestMessages[0].Payload.ToByteArray());
            if (ReplayHeaders.ContentType(exchange) is { } contentType && MediaTypeHeaderValue.TryParse(contentType, out var media))
            {
                request.Content.Headers.ContentType = media;
            }
        }
        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return new ReplayOutcome(clock.Elapsed.TotalMilliseconds, code >= 500, false, "HTTP " + code.ToString(System.Globalization.CultureInfo.InvariantCulture), [body]);
        }
        catch (HttpRequestException exception) when (!cancellationToken.IsCancellationRequested)
        {
            return new ReplayOutcome(clock.Elapsed.TotalMilliseconds, true, true, "no response: " + exception.Message, []);
        }
    }
}
