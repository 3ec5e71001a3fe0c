using Experiments.Grpc.Server.Interceptors;
using Experiments.ServiceDefaults.Auth;
using Experiments.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.AspNetCore.Builder;

public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Kestrel endpoints speak HTTP/2 only (gRPC over h2c needs it), structured logs, OpenTelemetry, the gRPC
    /// server with call telemetry and scope checks, API-key and (when <c>Auth:Jwt</c> is configured) JWT bearer
    /// authentication.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        // Endpoints from --urls or ASPNETCORE_URLS: without TLS, a mixed HTTP/1+2 listener cannot take h2c.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));

        if (builder.Configuration.GetValue<bool>("Logging:Json"))
        {
            builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }
        builder.AddTelemetry();

        builder.Services.AddOptions<AuthOptions>().BindConfiguration("Auth");
        builder.Services.AddSingleton<MethodScopes>();
        builder.Services.AddSingleton<ApiKeyRing>();
        builder.Services.AddApiKeyAndJwt(builder.Configuration);

        builder.Services.AddGrpcServer(options =>
        {
            options.Interceptors.Add(typeof(CallTelemetryInterceptor));
            options.Interceptors.Add(typeof(ScopeAuthorizationInterceptor));
        });
        return builder;
    }

    /// <summary>Maps what every service serves besides its own RPCs: gRPC health and server reflection.</summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.MapGrpcHealth();
        app.MapGrpcReflection();
        return app;
    }

    /// <summary>Requires <paramref name="scope"/> for every method of a service.</summary>
    public static WebApplication RequireScope(this WebApplication app, string serviceFullName, string scope)
    {
        app.Services.GetRequiredService<MethodScopes>().RequireForService(serviceFullName, scope);
        return app;
    }
}
