using Experiments.Grpc.Health;
using Experiments.Grpc.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Microsoft.AspNetCore.Builder;

public static class GrpcWellKnownServicesExtensions
{
    /// <summary>Serves grpc.health.v1.Health; the server reports NOT_SERVING once it starts stopping.</summary>
    public static IEndpointConventionBuilder MapGrpcHealth(this IEndpointRouteBuilder endpoints)
    {
        var registry = endpoints.ServiceProvider.GetRequiredService<HealthStatusRegistry>();
        endpoints.ServiceProvider.GetService<IHostApplicationLifetime>()?.ApplicationStopping.Register(registry.EnterShutdown);
        return endpoints.MapGrpcService<HealthService>(Grpc.Health.V1.HealthReflection.Descriptor.Services[0]);
    }

    /// <summary>Serves server reflection, v1 and v1alpha, so grpcurl and Postman can list and call every method.</summary>
    public static IEndpointConventionBuilder MapGrpcReflection(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<ReflectionServiceV1Alpha>(Grpc.Reflection.V1Alpha.ReflectionReflection.Descriptor.Services[0]);
        return endpoints.MapGrpcService<ReflectionServiceV1>(Grpc.Reflection.V1.ReflectionReflection.Descriptor.Services[0]);
    }
}
