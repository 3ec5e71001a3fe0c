using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Experiments.ServiceDefaults.Configuration;
using Microsoft.Extensions.Configuration;

namespace Experiments.ServiceDefaults.Hosting;

/// <summary>
/// gRPC over cleartext HTTP/2 needs an HTTP/2-only listener (a mixed HTTP/1+2 listener without TLS cannot take h2c
/// with prior knowledge), while curl's default, Postman's HTTP mode and Prometheus speak HTTP/1.1. So the
/// addresses of <c>--urls</c> speak HTTP/2 only, and those of <c>Rest:Urls</c> (none by default) speak HTTP/1.1:
/// JSON transcoding of the annotated RPCs and <c>/metrics</c>.
/// </summary>
internal static class ServiceEndpoints
{
    public static void AddServiceEndpoints(this WebApplicationBuilder builder)
    {
        var restUrls = Split(builder.Configuration["Rest:Urls"]);
        if (restUrls.Count == 0)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));
            return;
        }
        // Listening explicitly replaces the URLs Kestrel would bind, so the gRPC ones are bound here too.
        // Parsed now rather than when Kestrel starts, so a bad address is a configuration error, not a failed start.
        var grpcEndPoints = Split(builder.Configuration[WebHostDefaults.ServerUrlsKey] ?? "http://127.0.0.1:5000")
            .Select(url => EndPointOf(url, "--urls")).ToList();
        var restEndPoints = restUrls.Select(url => EndPointOf(url, "Rest:Urls")).ToList();
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, "");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var endPoint in grpcEndPoints)
            {
                kestrel.Listen(endPoint, listen => listen.Protocols = HttpProtocols.Http2);
            }
            foreach (var endPoint in restEndPoints)
            {
                kestrel.Listen(endPoint, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });
    }

    private static List<string> Split(string? urls) =>
        [.. (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static IPEndPoint EndPointOf(string url, string setting)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new ConfigurationException(setting, $"'{url}' is not an http:// address: use e.g. http://127.0.0.1:5121");
        }
        var address = uri.Host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip
            : throw new ConfigurationException(setting, $"'{url}' must name an IP address or localhost, e.g. http://0.0.0.0:5121");
        return new IPEndPoint(address, uri.Port);
    }
}
