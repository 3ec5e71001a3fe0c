using Experiments.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// What a visitor without the scope a route needs (read; capture for the traffic page) gets: JSON and SSE calls
/// (<c>/api/…</c>) answer 401 or 403 with a message naming the missing scope and no data; pages send a stranger to the
/// sign-in page and show a signed-in visitor without the scope why they are refused.
/// </summary>
internal sealed class DashboardChallenge(SignInPage page) : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }
        var request = context.Request;
        var api = request.Path.StartsWithSegments("/api", StringComparison.Ordinal);
        if (authorizeResult.Forbidden)
        {
            var name = context.User.Identity?.Name ?? "this account";
            var scope = MissingScope(context, policy);
            var message = scope == Scopes.Read
                ? $"'{name}' lacks the read scope the dashboard needs: sign in with a key that has it."
                : $"'{name}' lacks the {scope} scope this page needs: sign in with a key that has it.";
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await (api ? DashboardEndpoints.WriteErrorAsync(context, message) : page.WriteAsync(context, message, request.Path + request.QueryString));
            return;
        }
        if (api)
        {
            var failure = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Failure?.Message;
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await DashboardEndpoints.WriteErrorAsync(context,
                failure ?? "Sign in to the dashboard, or send an API key with the read scope as 'authorization: Bearer <key>'.");
            return;
        }
        context.Response.Redirect(SignInPage.Path + QueryString.Create(SignInPage.ReturnUrlField, request.Path + request.QueryString));
    }

    /// <summary>The first scope the policy asks for that the visitor lacks.</summary>
    private static string MissingScope(HttpContext context, AuthorizationPolicy policy) =>
        policy.Requirements.OfType<ClaimsAuthorizationRequirement>()
            .Where(r => r.ClaimType == Scopes.ClaimType)
            .SelectMany(r => r.AllowedValues ?? [])
            .FirstOrDefault(scope => !context.User.HasClaim(Scopes.ClaimType, scope)) ?? Scopes.Read;
}
