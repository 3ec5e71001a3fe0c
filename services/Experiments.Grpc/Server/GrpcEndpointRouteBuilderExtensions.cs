using Experiments.Grpc.Protocol;
using Experiments.Grpc.Server;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

public static class GrpcEndpointRouteBuilderExtensions
{
    private static readonly UnimplementedFallbackPolicy.MethodMetadata MethodMetadata = new();
    private static readonly UnimplementedFallbackPolicy.FallbackMetadata FallbackMetadata = new();

    /// <summary>
    /// Serves the proto service <paramref name="service"/> with <typeparamref name="TService"/>, one public
    /// method per RPC in grpc-dotnet's shapes. Throws when a method has no handler, so start-up fails.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints, ServiceDescriptor service)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(service);
        var provider = endpoints.ServiceProvider;
        var options = provider.GetRequiredService<IOptions<GrpcServerOptions>>().Value;
        var registry = provider.GetRequiredService<GrpcServiceRegistry>();
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("Experiments.Grpc.Server");
        var interceptors = options.Interceptors
            .Select(type => (Interceptor)ActivatorUtilities.GetServiceOrCreateInstance(provider, type))
            .ToArray();

        var methods = ServiceBinder.Bind<TService>(service, provider, interceptors, options, logger);
        registry.Add(service);
        var builders = new List<IEndpointConventionBuilder>(methods.Count);
        foreach (var method in methods)
        {
            builders.Add(endpoints.MapPost(method.Path, method.Handler)
                .WithDisplayName("gRPC " + method.Path)
                .WithMetadata(MethodMetadata));
        }
        MapUnimplemented(endpoints, registry);
        GrpcServerLog.ServiceMapped(logger, service.FullName, methods.Count);
        return new CompositeEndpointConventionBuilder(builders);
    }

    /// <summary>Calls to unknown services or methods get UNIMPLEMENTED rather than an HTTP 404.</summary>
    private static void MapUnimplemented(IEndpointRouteBuilder endpoints, GrpcServiceRegistry registry)
    {
        if (registry.FallbackMapped)
        {
            return;
        }
        registry.FallbackMapped = true;
        endpoints.MapPost("{**path}", (HttpContext http) =>
        {
            if (!GrpcProtocol.IsGrpcContentType(http.Request.ContentType))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            var path = http.Request.Path.Value ?? "";
            var slash = path.IndexOf('/', 1);
            var serviceName = slash > 1 ? path[1..slash] : path.TrimStart('/');
            return ProtocolErrors.WriteUnimplementedAsync(http, registry.Contains(serviceName)
                ? $"Method {path.TrimStart('/')} is unimplemented."
                : $"Service {serviceName} is unimplemented.");
        }).WithOrder(int.MaxValue).WithDisplayName("gRPC unimplemented").WithMetadata(FallbackMetadata);
    }

    private sealed class CompositeEndpointConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
