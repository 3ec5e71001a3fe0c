using System.Security.Claims;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication;

namespace Experiments.Assignment.Rpc;

/// <summary>Who made a change, for the audit trail: the API key's name or the JWT's subject.</summary>
internal static class CallerIdentity
{
    public static async Task<string> ActorAsync(ServerCallContext context)
    {
        var user = context.GetHttpContext().User;
        if (user.Identity is not { IsAuthenticated: true })
        {
            var result = await context.GetHttpContext().AuthenticateAsync().ConfigureAwait(false);
            user = result.Succeeded ? result.Principal : user;
        }
        var name = user.FindFirstValue(ClaimTypes.Name) ?? user.FindFirstValue("sub") ?? user.FindFirstValue(ClaimTypes.NameIdentifier);
        return string.IsNullOrEmpty(name) ? "anonymous" : name;
    }
}
