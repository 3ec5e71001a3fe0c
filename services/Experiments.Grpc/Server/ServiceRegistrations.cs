using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Grpc.Server;

/// <summary>
/// The application's service registrations, kept by <c>AddGrpcServer</c> so that mapping a gRPC service can tell
/// whether the container holds its class as a singleton. The container answers which types it serves, not for
/// how long.
/// </summary>
internal sealed class ServiceRegistrations(IServiceCollection services)
{
    /// <summary>True when the registration the container resolves for <paramref name="serviceType"/> is a singleton.</summary>
    public bool IsSingleton(Type serviceType)
    {
        // The container resolves a type to its last registration.
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType == serviceType && !descriptor.IsKeyedService)
            {
                return descriptor.Lifetime == ServiceLifetime.Singleton;
            }
        }
        return false;
    }
}
