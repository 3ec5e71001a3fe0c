using Experiments.ServiceDefaults.Health;
using Grpc.AspNetCore.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

public static class ServiceHealthExtensions
{
    /// <summary>
    /// grpc.health.v1 answered from ASP.NET Core health checks: the server as a whole (<c>""</c>) and each service
    /// registered with <see cref="AddHealthFor"/> report SERVING only while every check passes. A draining host is
    /// always one failing check.
    /// </summary>
    internal static IServiceCollection AddServiceHealth(this IServiceCollection services)
    {
        services.AddGrpcHealthChecks(options =>
            {
                // Every service the server lists by reflection is also known to health.
                foreach (var name in new[] { "", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection" })
                {
                    options.Services.Map(name, _ => true);
                }
            })
            .AddCheck<DrainingHealthCheck>("draining");
        return services;
    }

    /// <summary>
    /// A check that runs <paramref name="probe"/> on a service from the container: unhealthy, saying
    /// <paramref name="whatFails"/> and the error, while the probe throws.
    /// </summary>
    public static IHealthChecksBuilder AddProbe<TService>(this IHealthChecksBuilder builder, string name, Func<TService, CancellationToken, Task> probe, string whatFails)
        where TService : notnull
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name,
            provider => new ProbeHealthCheck(cancellationToken => probe(provider.GetRequiredService<TService>(), cancellationToken), whatFails),
            failureStatus: null, tags: null));
    }

    /// <summary>
    /// Lists the gRPC services (full proto names) in grpc.health.v1, each SERVING only while every health check
    /// passes: a service answers nothing useful while its store, its disk or a peer it needs is down.
    /// </summary>
    public static IServiceCollection AddHealthFor(this IServiceCollection services, params string[] grpcServiceNames)
    {
        services.Configure<GrpcHealthChecksOptions>(options =>
        {
            foreach (var name in grpcServiceNames)
            {
                options.Services.Map(name, _ => true);
            }
        });
        return services;
    }
}
