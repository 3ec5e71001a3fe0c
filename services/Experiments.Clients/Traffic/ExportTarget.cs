using Experiments.Contracts.V1;

namespace Experiments.Clients.Traffic;

/// <summary>
/// Where exported requests go: the recorded authority over http (a capture does not record the scheme; TLS
/// endpoints need <c>--target https://…</c>), or the scheme, authority and path prefix of a target URL.
/// </summary>
public sealed record ExportTarget
{
    private ExportTarget(string scheme, string? authority, string pathPrefix)
    {
        Scheme = scheme;
        Authority = authority;
        PathPrefix = pathPrefix;
    }

    /// <summary>Send each request to the authority it was recorded with, over plain http.</summary>
    public static ExportTarget Recorded { get; } = new("http", null, "");

    /// <summary><c>http</c> or <c>https</c>.</summary>
    public string Scheme { get; }

    /// <summary>host:port of every request; null to keep each exchange's recorded authority.</summary>
    public string? Authority { get; }

    /// <summary>A path the target URL adds before each recorded path (no trailing slash); usually empty.</summary>
    public string PathPrefix { get; }

    /// <summary>Whether requests go over TLS.</summary>
    public bool IsTls => Scheme == Uri.UriSchemeHttps;

    /// <summary>Every request to <paramref name="url"/> (http:// or https://) instead of its recorded authority.</summary>
    public static ExportTarget For(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"target '{url}' is not an http:// or https:// URL", nameof(url));
        }
        return new ExportTarget(url.Scheme, url.Authority, url.AbsolutePath.TrimEnd('/'));
    }

    /// <summary>host:port the exchange goes to, with the scheme's default port when the recorded authority has none.</summary>
    public string HostAndPort(CapturedExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        var authority = Authority ?? exchange.Authority;
        if (authority.Length == 0)
        {
            throw new ArgumentException($"capture {exchange.CaptureId} has no recorded authority: give a target URL", nameof(exchange));
        }
        return HasPort(authority) ? authority : authority + (IsTls ? ":443" : ":80");
    }

    /// <summary>scheme://authority[/prefix] of the exchange, without its own path.</summary>
    public string BaseUrl(CapturedExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        var authority = Authority ?? exchange.Authority;
        if (authority.Length == 0)
        {
            throw new ArgumentException($"capture {exchange.CaptureId} has no recorded authority: give a target URL", nameof(exchange));
        }
        return Scheme + "://" + authority + PathPrefix;
    }

    /// <summary>The full URL of an exchange: base URL then its recorded path and query.</summary>
    public string Url(CapturedExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        var path = exchange.Path.Length == 0 ? "/" : exchange.Path;
        return BaseUrl(exchange) + (path.StartsWith('/') ? path : "/" + path);
    }

    private static bool HasPort(string authority)
    {
        // [::1]:5001 or host:5001; a bare IPv6 literal in brackets has its colons inside them.
        var colon = authority.LastIndexOf(':');
        return colon > authority.LastIndexOf(']');
    }
}
