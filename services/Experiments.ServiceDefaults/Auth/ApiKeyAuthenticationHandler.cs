using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.ServiceDefaults.Auth;

/// <summary>
/// Authenticates callers by API key, sent as <c>authorization: Bearer &lt;key&gt;</c> or <c>x-api-key</c>.
/// The principal carries the key's name and one <see cref="Scopes.ClaimType"/> claim per scope.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey();
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var presentedBytes = Encoding.UTF8.GetBytes(presented);
        foreach (var key in auth.CurrentValue.ApiKeys)
        {
            // Fixed-time comparison, so response timing does not leak how much of a key was right.
            if (key.Key.Length > 0 && CryptographicOperations.FixedTimeEquals(presentedBytes, Encoding.UTF8.GetBytes(key.Key)))
            {
                var claims = new List<Claim> { new(ClaimTypes.Name, key.Name.Length > 0 ? key.Name : "api-key") };
                claims.AddRange(key.Scopes.Select(scope => new Claim(Scopes.ClaimType, scope)));
                var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
                return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
            }
        }
        return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
    }

    private string? PresentedKey()
    {
        var headers = Request.Headers;
        var apiKey = headers["x-api-key"].ToString();
        if (apiKey.Length > 0)
        {
            return apiKey;
        }
        var authorization = headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? authorization[bearer.Length..].Trim() : null;
    }
}
