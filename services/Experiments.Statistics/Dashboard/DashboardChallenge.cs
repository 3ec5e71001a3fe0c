using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Experiments.Statistics.Dashboard;

/// <summary>
/// What a visitor without the read scope gets: JSON and SSE calls (<c>/api/…</c>) answer 401 or 403 with a message and
/// no data; pages send a stranger to the sign-in page and show a signed-in visitor without read why they are refused.
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
            var message = $"'{name}' lacks the read scope the dashboard needs: sign in with a key that has it.";
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
}
