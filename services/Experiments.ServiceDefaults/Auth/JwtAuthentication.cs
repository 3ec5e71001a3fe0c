using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Experiments.ServiceDefaults.Auth;

/// <summary>
/// API keys and JWT bearer tokens side by side: a policy scheme sends a bearer credential that looks like a JWT
/// (three dot-separated parts) to the JWT handler when one is configured, everything else to the API-key handler.
/// </summary>
internal static class JwtAuthentication
{
    public const string SelectorScheme = "ApiKeyOrJwt";

    public static void AddApiKeyAndJwt(this IServiceCollection services, IConfiguration configuration)
    {
        var jwt = new JwtOptions();
        configuration.GetSection("Auth:Jwt").Bind(jwt);
        if (!jwt.Enabled)
        {
            // API keys only: no selector hop on every call.
            services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
            return;
        }
        var authentication = services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "API key or JWT", policy => policy.ForwardDefaultSelector = context =>
                LooksLikeJwt(context.Request.Headers.Authorization.ToString())
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        authentication.AddJwtBearer(options =>
        {
            options.Authority = jwt.Authority;
            options.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
            // Keep the token's own claim names: "sub" and "scope" rather than WS-Federation URIs.
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                NameClaimType = "sub",
                ValidateIssuer = !string.IsNullOrEmpty(jwt.Issuer) || !string.IsNullOrEmpty(jwt.Authority),
                ValidIssuer = jwt.Issuer,
                ValidateAudience = jwt.Audiences.Count > 0,
                ValidAudiences = jwt.Audiences,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                IssuerSigningKey = string.IsNullOrEmpty(jwt.SigningKey) ? null : new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey)),
            };
            options.Events = new JwtBearerEvents { OnTokenValidated = context => { SplitScopes(context.Principal); return Task.CompletedTask; } };
        });
    }

    /// <summary>One <see cref="Scopes.ClaimType"/> claim per scope, whether the token lists them space-separated or as an array.</summary>
    private static void SplitScopes(ClaimsPrincipal? principal)
    {
        if (principal?.Identity is not ClaimsIdentity identity)
        {
            return;
        }
        var granted = identity.FindAll(c => c.Type is "scope" or "scp").ToList();
        foreach (var claim in granted)
        {
            identity.RemoveClaim(claim);
        }
        foreach (var scope in granted.SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Distinct(StringComparer.Ordinal))
        {
            identity.AddClaim(new Claim(Scopes.ClaimType, scope));
        }
    }

    private static bool LooksLikeJwt(string authorization)
    {
        const string bearer = "Bearer ";
        if (!authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var token = authorization.AsSpan(bearer.Length).Trim();
        return token.Count('.') == 2;
    }
}
