using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Experiments.ServiceDefaults.Auth;

/// <summary>
/// Refuses calls whose method needs a scope the caller lacks: UNAUTHENTICATED without valid credentials,
/// PERMISSION_DENIED with credentials that lack the scope.
/// </summary>
public sealed class ScopeAuthorizationInterceptor(MethodScopes scopes, IOptionsMonitor<AuthOptions> options) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private async ValueTask AuthorizeAsync(ServerCallContext context)
    {
        var scope = scopes.ScopeFor(context.Method);
        if (scope is null || !options.CurrentValue.Enabled)
        {
            return;
        }
        // The default scheme, so a JWT scheme can later be added beside API keys without touching this.
        var result = await context.GetHttpContext().AuthenticateAsync().ConfigureAwait(false);
        if (result.Failure is not null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, result.Failure.Message));
        }
        if (!result.Succeeded)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                $"{context.Method} needs the '{scope}' scope: send an API key as 'authorization: Bearer <key>'."));
        }
        if (!result.Principal.HasClaim(Scopes.ClaimType, scope))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"The key '{result.Principal.Identity?.Name}' lacks the '{scope}' scope that {context.Method} needs."));
        }
    }
}
