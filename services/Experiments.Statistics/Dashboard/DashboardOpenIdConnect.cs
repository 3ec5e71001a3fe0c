using System.Security.Claims;
using System.Text.Encodings.Web;
using Experiments.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// Sign-in through an OpenID Connect provider (<see cref="DashboardOpenIdConnectOptions"/>): the code flow with PKCE,
/// ending in the same session cookie as a key sign-in, with the read scope when the user carries the configured claim
/// (and the capture scope when they carry its claim).
/// </summary>
internal static class DashboardOpenIdConnect
{
    public const string StartPath = "/signin/oidc";

    private const string ContinuePath = "/signin/continue";

    public static void AddDashboardOpenIdConnect(this AuthenticationBuilder authentication, DashboardOpenIdConnectOptions provider)
    {
        authentication.AddOpenIdConnect(OpenIdConnectDefaults.AuthenticationScheme, options =>
        {
            options.Authority = provider.Authority;
            options.ClientId = provider.ClientId;
            options.ClientSecret = provider.ClientSecret.Length > 0 ? provider.ClientSecret : null;
            options.RequireHttpsMetadata = provider.RequireHttpsMetadata;
            options.ResponseType = OpenIdConnectResponseType.Code;
            options.UsePkce = true;
            // The provider sends the browser back with a plain GET (not a cross-site form post), so the correlation and nonce
            // cookies can be SameSite=Lax and work on the dashboard's own plain-HTTP listener too.
            options.ResponseMode = OpenIdConnectResponseMode.Query;
            options.CorrelationCookie.SameSite = SameSiteMode.Lax;
            options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.NonceCookie.SameSite = SameSiteMode.Lax;
            options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            options.MapInboundClaims = false;
            options.TokenValidationParameters.NameClaimType = "name";
            options.GetClaimsFromUserInfoEndpoint = false;
            options.SaveTokens = false;
            options.Events.OnTokenValidated = context =>
            {
                if (context.Principal?.Identity is ClaimsIdentity identity && MayRead(identity, provider))
                {
                    identity.AddClaim(new Claim(Scopes.ClaimType, Scopes.Read));
                    if (MayCapture(identity, provider))
                    {
                        identity.AddClaim(new Claim(Scopes.ClaimType, Scopes.Capture));
                    }
                }
                return Task.CompletedTask;
            };
        });
    }

    public static void MapDashboardOpenIdConnect(this WebApplication app)
    {
        app.MapGet(StartPath, context =>
        {
            var returnUrl = SignInPage.LocalOrRoot(context.Request.Query[SignInPage.ReturnUrlField]);
            return context.ChallengeAsync(OpenIdConnectDefaults.AuthenticationScheme, new AuthenticationProperties
            {
                RedirectUri = ContinuePath + QueryString.Create(SignInPage.ReturnUrlField, returnUrl),
            });
        });
        // The provider's redirect started on another site, so browsers withhold the SameSite=Strict session from every
        // request of that redirect chain; a same-site navigation from this page is the first to carry it.
        app.MapGet(ContinuePath, async context =>
        {
            var target = HtmlEncoder.Default.Encode(SignInPage.LocalOrRoot(context.Request.Query[SignInPage.ReturnUrlField]));
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(
                $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url={target}\"><title>Signing in…</title></head>"
                + $"<body><p>Signed in. <a href=\"{target}\">Continue</a></p></body></html>", context.RequestAborted);
        });
    }

    private static bool MayRead(ClaimsIdentity identity, DashboardOpenIdConnectOptions provider) =>
        provider.ReadClaimType.Length == 0
        || identity.FindAll(provider.ReadClaimType).Any(c => provider.ReadClaimValue.Length == 0 || string.Equals(c.Value, provider.ReadClaimValue, StringComparison.Ordinal));

    private static bool MayCapture(ClaimsIdentity identity, DashboardOpenIdConnectOptions provider) =>
        provider.CaptureClaimType.Length > 0
        && identity.FindAll(provider.CaptureClaimType).Any(c => provider.CaptureClaimValue.Length == 0 || string.Equals(c.Value, provider.CaptureClaimValue, StringComparison.Ordinal));
}
