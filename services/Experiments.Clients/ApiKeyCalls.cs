using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Experiments.Clients;

/// <summary>Calls that carry an API key (or a JWT) as <c>authorization: Bearer …</c>.</summary>
public static class ApiKeyCalls
{
    private const string AuthorizationHeader = "authorization";

    /// <summary>
    /// An invoker over <paramref name="channel"/> that adds <paramref name="token"/> as bearer credentials to every
    /// call that carries no authorization header of its own; the channel's own invoker when the token is empty.
    /// </summary>
    public static CallInvoker WithApiKey(this ChannelBase channel, string? token)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var invoker = channel.CreateCallInvoker();
        if (string.IsNullOrWhiteSpace(token))
        {
            return invoker;
        }
        var authorization = "Bearer " + token;
        return invoker.Intercept(headers =>
        {
            if (headers.Get(AuthorizationHeader) is null)
            {
                headers.Add(AuthorizationHeader, authorization);
            }
            return headers;
        });
    }
}
