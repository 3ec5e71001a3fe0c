using Experiments.Sdk;
using Experiments.Sdk.Grpc;
using Experiments.Sdk.Http;
using Grpc.Net.ClientFactory;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Records a client's calls to a dependency as outbound requests of the unit being served.</summary>
public static class ExperimentsHttpClientBuilderExtensions
{
    /// <summary>
    /// Records every call this client makes while the app serves a unit as an outbound request of that unit, so the
    /// dependency's response times and errors become KPIs of the app's experiments (<c>Kpi.api_name</c>
    /// <c>"broker POST /orders"</c>). Works for an HttpClient (<c>AddHttpClient&lt;T&gt;(…)</c>: API name
    /// <c>"{dependency} {METHOD} {route template}"</c>, latency until the response headers arrive) and for a gRPC client
    /// (<c>AddGrpcClient&lt;T&gt;(…)</c>: <c>"{dependency} package.Service/Method"</c>, for every call kind; a response
    /// stream also records its first message, message count and, for message types registered with
    /// <c>WithStaleness</c>, each message's staleness). Calls made outside any served unit are counted
    /// (<c>experiments.sdk.dependency.unattributed</c>) but not recorded: they belong to no experiment arm.
    /// Requires <c>AddExperiments()</c>.
    /// </summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="dependency">The dependency's name in API names, e.g. <c>broker</c>: no spaces.</param>
    /// <param name="routeTemplates">
    /// HTTP only: route templates to name calls by, e.g. <c>/orders/{id}</c> (<c>{name}</c> matches one path segment).
    /// Calls matching none are named by their path with id-like segments (digits, GUIDs, long hex) written <c>{id}</c>.
    /// </param>
    public static IHttpClientBuilder AddExperimentsTelemetry(this IHttpClientBuilder builder, string dependency, params string[] routeTemplates)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(dependency);
        ArgumentNullException.ThrowIfNull(routeTemplates);
        if (dependency.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException("A dependency name has no spaces: it starts the API names of its calls (\"broker POST /orders\").", nameof(dependency));
        }
        var routes = new DependencyRoutes(dependency, [.. routeTemplates]);
        builder.AddHttpMessageHandler(services => new ExperimentsHttpHandler(Runtime(services), dependency, routes));
        // Read only when the client is a gRPC client (AddGrpcClient); an HttpClient never looks at these options.
        builder.Services.Configure<GrpcClientFactoryOptions>(builder.Name, options => options.InterceptorRegistrations.Add(
            new InterceptorRegistration(InterceptorScope.Channel, services => new ExperimentsClientInterceptor(Runtime(services), dependency))));
        return builder;
    }

    private static ExperimentsRuntime Runtime(IServiceProvider services) =>
        services.GetService<ExperimentsRuntime>()
        ?? throw new InvalidOperationException("AddExperimentsTelemetry needs the Experiments SDK: call services.AddExperiments() as well.");
}
