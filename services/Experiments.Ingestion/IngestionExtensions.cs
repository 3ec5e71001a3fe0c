using Microsoft.Extensions.Configuration;
using Experiments.ServiceDefaults.Storage;
using Experiments.Contracts.V1;
using Experiments.Ingestion;
using Experiments.Ingestion.Backpressure;
using Experiments.Ingestion.Forwarding;
using Experiments.Ingestion.Health;
using Experiments.Ingestion.Intake;
using Experiments.Ingestion.Log;
using Experiments.Ingestion.Rpc;
using Experiments.Ingestion.Validation;
using Experiments.ServiceDefaults.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

public static class IngestionExtensions
{
    private const string IngestionServiceName = "experiments.v1.Ingestion";

    /// <summary>
    /// The Ingestion service: validation, the durable log, the intake pipeline with its limits, and the
    /// outbox forwarder of the configured mode (<c>Ingestion:Forwarding:Mode</c>); and the Captures service with its store.
    /// </summary>
    public static WebApplicationBuilder AddIngestion(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ValidationOptions>().BindConfiguration("Ingestion:Validation").ValidateOnStart();
        services.AddSingleton<IValidateOptions<ValidationOptions>, ValidationOptionsValidator>();
        services.AddOptions<IntakeOptions>().BindConfiguration("Ingestion:Intake").ValidateOnStart();
        services.AddSingleton<IValidateOptions<IntakeOptions>, IntakeOptionsValidator>();
        // The log lives in the service's data folder (Data:Folder) unless Ingestion:Log:DataPath says otherwise; relative
        // paths are resolved against the content root. One process at a time holds it.
        services.AddOptions<LogOptions>().BindConfiguration("Ingestion:Log").PostConfigure<IConfiguration, IHostEnvironment>((log, configuration, environment) =>
            log.DataPath = string.IsNullOrWhiteSpace(log.DataPath)
                ? DataFolder.Resolve(configuration, environment, "ingestion")
                : Path.GetFullPath(log.DataPath, environment.ContentRootPath));
        services.AddSingleton(sp => FolderLock.Acquire(sp.GetRequiredService<IOptions<LogOptions>>().Value.DataPath, DataFolder.Setting));
        services.AddOptions<RateLimitOptions>().BindConfiguration("Ingestion:RateLimits");
        services.AddOptions<ForwardingOptions>().BindConfiguration("Ingestion:Forwarding").ValidateOnStart();
        services.AddSingleton<IValidateOptions<ForwardingOptions>, ForwardingOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<IngestionMetrics>();
        services.AddSingleton<EventLog>();
        services.AddSingleton<EventValidator>();
        services.AddSingleton<ClientRateLimiter>();
        services.AddSingleton<IntakeGate>();
        services.AddSingleton<IngestionPipeline>();
        services.AddSingleton<IngestionService>();
        services.AddSingleton<IngestionErrorInterceptor>();
        services.AddGrpc().AddServiceOptions<IngestionService>(grpc => grpc.Interceptors.Add<IngestionErrorInterceptor>());
        services.AddHealthFor(IngestionServiceName);
        services.AddHealthChecks().AddCheck<LogHealthCheck>("log");
        services.AddCaptures();

        // The mode is read when the host starts, so configuration added after AddIngestion (tests) still counts.
        // Dapr mode publishes through DaprClient and waits for the sidecar (health NOT_SERVING, calls UNAVAILABLE meanwhile).
        services.AddDaprSidecar(sp => sp.GetRequiredService<IOptions<ForwardingOptions>>().Value.Mode == ForwardingMode.Dapr);
        services.AddSingleton(ForwardTargets.Create);
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<IOptions<ForwardingOptions>>().Value.Mode == ForwardingMode.None
            ? ActivatorUtilities.CreateInstance<DiscardingForwarder>(sp)
            : ActivatorUtilities.CreateInstance<OutboxForwarder>(sp));
        return builder;
    }

    /// <summary>Opens the log (recovering it after a crash) before the server takes calls, and maps the Ingestion service.</summary>
    public static WebApplication MapIngestion(this WebApplication app)
    {
        app.Services.GetRequiredService<FolderLock>();
        app.Services.GetRequiredService<EventLog>().Open();
        app.UseMiddleware<IntakeGateMiddleware>();
        app.MapGrpcService<IngestionService>();
        app.RequireScope(IngestionServiceName, Scopes.Ingest);
        app.MapCaptures();
        return app;
    }
}
