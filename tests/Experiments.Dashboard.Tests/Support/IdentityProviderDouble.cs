using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Experiments.Dashboard.Tests.Support;

/// <summary>
/// An OpenID Connect provider double on a loopback socket, speaking the code flow as OpenID Connect Core 1.0 and RFC 7636
/// (PKCE, S256) lay it out: discovery, an authorization endpoint that signs in <see cref="NextUser"/> at once and sends the
/// browser back with a code, a token endpoint that checks the code's verifier and answers an RS256 ID token, and its JWKS.
/// </summary>
public sealed class IdentityProviderDouble : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, Grant> _codes = new(StringComparer.Ordinal);
    private readonly string _clientId;

    private IdentityProviderDouble(WebApplication app, string clientId)
    {
        _app = app;
        _clientId = clientId;
    }

    public string Issuer { get; private set; } = "";

    /// <summary>Who the next authorization request signs in: a subject, a display name and their groups.</summary>
    public (string Subject, string Name, string[] Groups) NextUser { get; set; } = ("reader-1", "Rita Reader", [OpenIdConnectDashboard.ReadersGroup]);

    /// <summary>How many ID tokens the token endpoint has issued.</summary>
    public int TokensIssued => _tokensIssued;

    private int _tokensIssued;

    public static async Task<IdentityProviderDouble> StartAsync(string clientId)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var provider = new IdentityProviderDouble(app, clientId);
        app.MapGet("/.well-known/openid-configuration", provider.Discovery);
        app.MapGet("/jwks", provider.Keys);
        app.MapGet("/authorize", provider.Authorize);
        app.MapPost("/token", (Delegate)provider.TokenAsync);
        await app.StartAsync();
        provider.Issuer = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return provider;
    }

    private IResult Discovery() => Results.Json(new Dictionary<string, object>
    {
        ["issuer"] = Issuer,
        ["authorization_endpoint"] = Issuer + "/authorize",
        ["token_endpoint"] = Issuer + "/token",
        ["jwks_uri"] = Issuer + "/jwks",
        ["response_types_supported"] = new[] { "code" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        ["code_challenge_methods_supported"] = new[] { "S256" },
    });

    private IResult Keys()
    {
        var parameters = _rsa.ExportParameters(includePrivateParameters: false);
        return Results.Json(new
        {
            keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = "double-1", n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) } },
        });
    }

    private IResult Authorize(HttpContext context)
    {
        var query = context.Request.Query;
        if (query["client_id"] != _clientId || query["response_type"] != "code" || query["code_challenge_method"] != "S256")
        {
            return Results.BadRequest("unexpected authorization request: " + context.Request.QueryString);
        }
        var code = Guid.NewGuid().ToString("N");
        _codes[code] = new Grant(NextUser, query["nonce"].ToString(), query["code_challenge"].ToString(), query["redirect_uri"].ToString());
        var back = query["redirect_uri"] + QueryString.Create(new KeyValuePair<string, string?>[] { new("code", code), new("state", query["state"].ToString()) }).ToString();
        return Results.Redirect(back);
    }

    private async Task<IResult> TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var grant) || form["redirect_uri"] != grant.RedirectUri)
        {
            return Results.BadRequest(new { error = "invalid_grant" });
        }
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString())));
        if (challenge != grant.CodeChallenge)
        {
            return Results.BadRequest(new { error = "invalid_grant", error_description = "PKCE verifier does not match" });
        }
        var now = DateTime.UtcNow;
        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = _clientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = grant.User.Subject, ["name"] = grant.User.Name, ["nonce"] = grant.Nonce, ["groups"] = grant.User.Groups,
            },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = "double-1" }, SecurityAlgorithms.RsaSha256),
        });
        Interlocked.Increment(ref _tokensIssued);
        return Results.Json(new Dictionary<string, object> { ["access_token"] = Guid.NewGuid().ToString("N"), ["token_type"] = "Bearer", ["expires_in"] = 300, ["id_token"] = idToken });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _rsa.Dispose();
    }

    private sealed record Grant((string Subject, string Name, string[] Groups) User, string Nonce, string CodeChallenge, string RedirectUri);
}
