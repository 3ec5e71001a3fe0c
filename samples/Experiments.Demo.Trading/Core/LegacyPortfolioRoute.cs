using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Experiments.Demo.Trading.Core;

/// <summary>
/// <c>GET /v1/portfolio/{account}</c>: the portfolio as JSON, from the REST API the core had before its gRPC one. Still
/// served for the clients that have not moved (the algo-bot's scripts), but deprecated in favour of
/// <c>trading.v1.TradingCore/GetPortfolio</c>: each answer says so in a <c>Deprecation</c> header (RFC 9745).
/// On the core's port, so over HTTP/2 without TLS: <c>curl --http2-prior-knowledge</c>.
/// </summary>
public static class LegacyPortfolioRoute
{
    /// <summary>When the route was deprecated (2026-06-01T00:00:00Z), as RFC 9745 writes it.</summary>
    private const string DeprecatedSince = "@1780272000";

    public static IEndpointRouteBuilder MapLegacyPortfolio(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/v1/portfolio/{account}", (string account, Portfolios portfolios, HttpResponse response) =>
        {
            response.Headers["Deprecation"] = DeprecatedSince;
            var positions = portfolios.For(account).Select(p => new LegacyPosition(p.Key, p.Value)).ToList();
            return Results.Ok(new LegacyPortfolio(account, positions));
        });
        return endpoints;
    }

    private sealed record LegacyPortfolio(string Account, IReadOnlyList<LegacyPosition> Positions);

    private sealed record LegacyPosition(string Symbol, int Quantity);
}
