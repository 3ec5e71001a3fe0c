using Experiments.ServiceDefaults.Auth;
using Experiments.ServiceDefaults.Configuration;
using Experiments.ServiceDefaults.Health;
using Experiments.ServiceDefaults.Hosting;
using Experiments.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

public static class ServiceDefaultsExtensions
{
    /// <summary>Largest request message a service accepts unless <c>Grpc:MaxReceiveMessageSize</c> says otherwise: 4 MiB.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// Kestrel endpoints for gRPC (HTTP/2 only) and, when <c>Rest:Urls</c> is set, HTTP/1.1 for JSON and metrics;
    /// structured logs; OpenTelemetry; Grpc.AspNetCore with call telemetry and scope checks; reflection; health
    /// checks behind grpc.health.v1; API-key and (when <c>Auth:Jwt</c> is configured) JWT bearer authentication.
    /// </summary>
    /// <remarks>
    /// A configuration error (an invalid option, an unusable address) ends the process with one line naming the setting
    /// and exit code <see cref="ConfigurationErrors.ExitCode"/> (78); in-memory test hosts get the exception instead.
    /// </remarks>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsEnvironment("Testing"))
        {
            ConfigurationErrors.ExitOnUnhandled(builder.Environment.ApplicationName);
        }
        builder.AddServiceEndpoints();
        if (builder.Configuration.GetValue<bool>("Logging:Json"))
        {
            builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }
        builder.AddTelemetry();

        builder.Services.AddOptions<AuthOptions>().BindConfiguration("Auth").ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        builder.Services.AddSingleton<MethodScopes>();
        builder.Services.AddSingleton<ApiKeyRing>();
        builder.Services.AddApiKeyAndJwt(builder.Configuration);

        // Interceptors keep no per-call state: one instance each. grpc-dotnet activates an interceptor per call unless
        // its type is in the container, which cost ~900 B per call on Assign (bench/Experiments.Bench.Assignment remote).
        builder.Services.AddSingleton<CallTelemetryInterceptor>();
        builder.Services.AddSingleton<ScopeAuthorizationInterceptor>();
        var grpc = builder.Configuration.GetSection("Grpc");
        builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = grpc.GetValue<int?>("MaxReceiveMessageSize") ?? DefaultMaxReceiveMessageSize;
            options.MaxSendMessageSize = grpc.GetValue<int?>("MaxSendMessageSize");
            options.ResponseCompressionAlgorithm = grpc["ResponseCompressionAlgorithm"];
            options.EnableDetailedErrors = builder.Environment.IsDevelopment();
            options.Interceptors.Add<CallTelemetryInterceptor>();
            options.Interceptors.Add<ScopeAuthorizationInterceptor>();
        }).AddJsonTranscoding();
        builder.Services.AddGrpcReflection();
        // An OpenAPI document of the JSON routes (the google.api.http rules), for Postman's import and code generators.
        builder.Services.AddGrpcSwagger();
        builder.Services.AddSwaggerGen(options => options.SwaggerDoc("v1", new() { Title = builder.Environment.ApplicationName, Version = "v1" }));
        builder.Services.AddServiceHealth();
        return builder;
    }

    /// <summary>
    /// Maps what every service serves besides its own RPCs: grpc.health.v1 over the health checks, server
    /// reflection (v1 and v1alpha), the Prometheus scrape endpoint <c>/metrics</c>, and the OpenAPI document of the JSON
    /// routes at <c>/openapi/v1.json</c>.
    /// </summary>
    /// <remarks>
    /// Options registered with ValidateOnStart are validated here, before the host starts, so that a configuration error
    /// surfaces as <see cref="OptionsValidationException"/> from this call (one line and exit code 78 in a service
    /// process) rather than as a failed start with a stack trace in the log.
    /// </remarks>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.Services.GetService<IStartupValidator>()?.Validate();
        app.UseSwagger(options => options.RouteTemplate = "openapi/{documentName}.json");
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapPrometheusScrapingEndpoint();
        return app;
    }

    /// <summary>Requires <paramref name="scope"/> for every method of a service.</summary>
    public static WebApplication RequireScope(this WebApplication app, string serviceFullName, string scope)
    {
        app.Services.GetRequiredService<MethodScopes>().RequireForService(serviceFullName, scope);
        return app;
    }
}
