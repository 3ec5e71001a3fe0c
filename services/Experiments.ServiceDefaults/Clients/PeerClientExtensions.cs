using Experiments.ServiceDefaults.Clients;
using Experiments.ServiceDefaults.Dapr;
using Grpc.Core;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class PeerClientExtensions
{
    /// <summary>
    /// A generated client of another Experiments service through Grpc.Net.ClientFactory: its address, API key and
    /// (in Dapr mode) the app id the sidecar routes on come from <paramref name="peer"/>, resolved when the client is
    /// first created; in Dapr mode without an address the channel goes to this service's own sidecar
    /// (<see cref="DaprSidecarOptions.GrpcEndpoint"/>), which proxies the call to the app named by <c>dapr-app-id</c>. Every service-to-service call we make is idempotent (events and exposures are deduplicated by
    /// id, definitions and verdicts are reads, a ramp carries its expected revision), so the channel's service
    /// config retries UNAVAILABLE and RESOURCE_EXHAUSTED with exponential back-off, honouring
    /// <c>grpc-retry-pushback-ms</c>; grpc-dotnet does this below the call, with no code of ours. Deadlines stay the
    /// caller's: each call passes its own.
    /// </summary>
    public static IHttpClientBuilder AddPeerClient<TClient>(this IServiceCollection services, Func<IServiceProvider, PeerAddress> peer)
        where TClient : ClientBase
    {
        ArgumentNullException.ThrowIfNull(peer);
        return services.AddGrpcClient<TClient>((provider, options) => options.Address = AddressOf(provider, peer(provider)))
            .ConfigureChannel(channel =>
            {
                channel.MaxReceiveMessageSize = null;
                channel.ServiceConfig = new ServiceConfig { MethodConfigs = { RetryEverything } };
            })
            .AddInterceptor(provider => new PeerHeadersInterceptor(peer(provider)));
    }

    private static Uri AddressOf(IServiceProvider provider, PeerAddress peer) =>
        peer.Address ?? (peer.DaprAppId is { Length: > 0 }
            ? new Uri(provider.GetRequiredService<IOptions<DaprSidecarOptions>>().Value.GrpcEndpoint)
            : throw new InvalidOperationException("A peer needs an address, or a Dapr app id to be reached through the sidecar."));

    private static MethodConfig RetryEverything => new()
    {
        Names = { MethodName.Default },
        RetryPolicy = new RetryPolicy
        {
            MaxAttempts = 4,
            InitialBackoff = TimeSpan.FromMilliseconds(200),
            MaxBackoff = TimeSpan.FromSeconds(2),
            BackoffMultiplier = 2,
            RetryableStatusCodes = { StatusCode.Unavailable, StatusCode.ResourceExhausted },
        },
    };
}
