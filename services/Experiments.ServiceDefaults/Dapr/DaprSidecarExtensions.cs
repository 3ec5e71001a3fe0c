using Experiments.ServiceDefaults.Dapr;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class DaprSidecarExtensions
{
    /// <summary>
    /// Dapr mode's sidecar, for a service that decides with <paramref name="inDaprMode"/> (read when first needed, so
    /// configuration added later still counts): a <see cref="Dapr.Client.DaprClient"/> for the sidecar of
    /// <see cref="DaprSidecarOptions"/>, and until that sidecar answers, one log line naming its port and what to start,
    /// health NOT_SERVING and RPCs UNAVAILABLE with that line. Outside Dapr mode none of it acts.
    /// </summary>
    public static IServiceCollection AddDaprSidecar(this IServiceCollection services, Func<IServiceProvider, bool> inDaprMode)
    {
        ArgumentNullException.ThrowIfNull(inDaprMode);
        services.AddOptions<DaprSidecarOptions>().BindConfiguration("Dapr")
            .Configure<IConfiguration>((options, configuration) =>
            {
                // daprd's variables also arrive through configuration (environment, or keys a test host adds).
                options.HttpPort ??= configuration.GetValue<int?>("DAPR_HTTP_PORT");
                options.GrpcPort ??= configuration.GetValue<int?>("DAPR_GRPC_PORT");
                options.ApiToken ??= configuration["DAPR_API_TOKEN"];
                options.AppId ??= configuration["APP_ID"];
            });
        services.AddDaprClient((provider, client) =>
        {
            var options = provider.GetRequiredService<IOptions<DaprSidecarOptions>>().Value;
            client.UseHttpEndpoint(options.HttpEndpoint).UseGrpcEndpoint(options.GrpcEndpoint);
            if (options.ResolvedApiToken is { Length: > 0 } token)
            {
                client.UseDaprApiToken(token);
            }
        });
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<DaprSidecarOptions>>().Value;
            var appId = options.AppId ?? provider.GetRequiredService<IHostEnvironment>().ApplicationName.Replace("Experiments.", "", StringComparison.Ordinal).ToLowerInvariant();
            return new DaprSidecarReadiness(() => inDaprMode(provider), options, appId);
        });
        services.AddHostedService<DaprSidecarWaiter>();
        services.AddSingleton<DaprSidecarGate>();
        services.Configure<GrpcServiceOptions>(grpc => grpc.Interceptors.Add<DaprSidecarGate>());
        services.AddHealthChecks().AddCheck<DaprSidecarHealthCheck>("dapr-sidecar");
        return services;
    }
}
