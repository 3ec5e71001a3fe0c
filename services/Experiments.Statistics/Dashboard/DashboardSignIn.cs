using Experiments.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// The dashboard's sign-in: the services' API keys with the read scope (and the capture scope for the traffic page), either typed once into the sign-in page (which
/// opens an HttpOnly, SameSite=Strict session cookie) or sent on each call as <c>authorization: Bearer &lt;key&gt;</c>;
/// and, when <c>Dashboard:OpenIdConnect</c> is configured, an identity provider's users (<see cref="DashboardOpenIdConnect"/>).
/// </summary>
internal static class DashboardSignIn
{
    /// <summary>The authorization policy of every data endpoint: the read scope.</summary>
    public const string ReadPolicy = "dashboard-read";

    /// <summary>The authorization policy of the traffic page and its JSON: the capture scope (client ids, what clients send).</summary>
    public const string CapturePolicy = "dashboard-capture";

    public const string CookieName = "experiments-dashboard";

    private const string Scheme = "DashboardSession";

    public static void AddDashboardSignIn(this IServiceCollection services, DashboardOptions settings, ApiKeyRing keys, IOptionsMonitor<AuthOptions> auth)
    {
        services.AddSingleton(settings);
        services.AddSingleton(keys);
        services.AddSingleton(auth);
        services.AddSingleton<SessionKeys>();
        services.AddSingleton<SignInPage>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, DashboardChallenge>();
        // Session tickets die with the process: keys kept on disk would be one more secret to guard, and signing in again
        // after a restart costs a visitor one form.
        services.AddDataProtection().SetApplicationName("Experiments.Dashboard").UseEphemeralDataProtectionProvider();
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = CookieName + "-antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        var provider = settings.OpenIdConnect;
        if (provider.Enabled != (provider.Authority.Length > 0 || provider.ClientId.Length > 0))
        {
            throw new InvalidOperationException("Dashboard:OpenIdConnect needs both Authority and ClientId (or neither, for API keys only).");
        }
        var authentication = services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or dashboard session", options => options.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 || context.Request.Headers.ContainsKey("x-api-key")
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                // Plain HTTP is all the dashboard's own listener speaks; behind a TLS proxy the browser keeps it on HTTPS.
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = settings.SessionLifetime;
                options.SlidingExpiration = true;
                options.LoginPath = SignInPage.Path;
                options.Events.OnValidatePrincipal = context => context.HttpContext.RequestServices.GetRequiredService<SessionKeys>().ValidateAsync(context);
            });
        if (provider.Enabled)
        {
            authentication.AddDashboardOpenIdConnect(provider);
        }
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, policy => policy.RequireClaim(Scopes.ClaimType, Scopes.Read))
            .AddPolicy(CapturePolicy, policy => policy.RequireClaim(Scopes.ClaimType, Scopes.Capture));
    }

    public static void MapDashboardSignIn(this WebApplication app, DashboardOptions settings)
    {
        if (settings.OpenIdConnect.Enabled)
        {
            app.MapDashboardOpenIdConnect();
        }
        app.MapGet(SignInPage.Path, async (HttpContext context, SignInPage page) =>
        {
            var returnUrl = context.Request.Query[SignInPage.ReturnUrlField].ToString();
            if (context.User.HasClaim(Scopes.ClaimType, Scopes.Read))
            {
                context.Response.Redirect(SignInPage.LocalOrRoot(returnUrl));
                return;
            }
            await page.WriteAsync(context, null, returnUrl);
        });
        app.MapPost(SignInPage.Path, SignInAsync);
        app.MapPost("/signout", async context =>
        {
            // Only a request that carries the session (SameSite=Strict: never sent from another site) can end it.
            if ((await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme)).Succeeded)
            {
                await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            }
            context.Response.Redirect(SignInPage.Path);
        });
    }

    private static async Task SignInAsync(HttpContext context, IAntiforgery antiforgery, ApiKeyRing keys, SignInPage page)
    {
        if (!context.Request.HasFormContentType)
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var returnUrl = form[SignInPage.ReturnUrlField].ToString();
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await page.WriteAsync(context, "The sign-in form was not sent from this dashboard, or it expired: sign in again.", returnUrl);
            return;
        }
        var key = form[SignInPage.KeyField].ToString().Trim();
        var principal = key.Length == 0 ? null : keys.Find(key);
        if (principal is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await page.WriteAsync(context, "That key is not one of the API keys this service accepts.", returnUrl);
            return;
        }
        if (!principal.HasClaim(Scopes.ClaimType, Scopes.Read))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await page.WriteAsync(context, $"The key '{principal.Identity?.Name}' lacks the read scope the dashboard needs.", returnUrl);
            return;
        }
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, SessionKeys.SessionFor(principal, key));
        context.Response.Redirect(SignInPage.LocalOrRoot(returnUrl));
    }
}
