using Experiments.Grpc.Health;
using Experiments.Grpc.Reflection;
using Experiments.Grpc.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class GrpcServerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the gRPC server with its options (configuration section <c>Grpc</c>), the service registry, and
    /// the health and reflection services.
    /// </summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        var options = services.AddOptions<GrpcServerOptions>().BindConfiguration("Grpc");
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.TryAddSingleton(new ServiceRegistrations(services));
        services.AddSingleton<GrpcServiceRegistry>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, UnimplementedFallbackPolicy>());
        services.AddSingleton<HealthStatusRegistry>();
        services.AddSingleton<HealthService>();
        services.AddSingleton<ReflectionServiceV1>();
        services.AddSingleton<ReflectionServiceV1Alpha>();
        return services;
    }
}
