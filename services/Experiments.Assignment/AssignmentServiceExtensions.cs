using Microsoft.Extensions.Hosting;
using Experiments.ServiceDefaults.Storage;
using Experiments.Assignment;
using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;
using Experiments.Assignment.Exposures;
using Experiments.Assignment.Health;
using Experiments.Assignment.Rpc;
using Experiments.Assignment.Storage;
using Experiments.Contracts.V1;
using Experiments.ServiceDefaults.Auth;
using Experiments.ServiceDefaults.Clients;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.FeatureManagement;

namespace Microsoft.AspNetCore.Builder;

public static class AssignmentServiceExtensions
{
    private const string AdminService = "experiments.v1.ExperimentAdmin";
    private const string AssignmentServiceName = "experiments.v1.Assignment";

    /// <summary>
    /// Definitions (catalog, validation, audit), their store (SQLite in <c>Data:Folder</c>, or the Dapr state
    /// store when <c>Dapr:HttpPort</c> is set), evaluation (precompiled, and IVariantFeatureManager over the same
    /// definitions), exposure reporting, and the two gRPC services.
    /// </summary>
    public static WebApplicationBuilder AddAssignment(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AssignmentOptions>().BindConfiguration("Assignment");
        services.AddOptions<DefinitionLimits>().BindConfiguration("Assignment:Limits");
        services.AddOptions<ExposureOptions>().BindConfiguration("Exposures").ValidateOnStart();
        services.AddSingleton<IValidateOptions<ExposureOptions>, ExposureOptionsValidator>();
        services.AddOptions<StorageOptions>().Configure<IConfiguration, IHostEnvironment>((options, configuration, environment) =>
        {
            options.DataFolder = DataFolder.Resolve(configuration, environment, "assignment");
            options.DaprHttpPort = configuration.GetValue<int?>("Dapr:HttpPort") ?? configuration.GetValue<int?>("DAPR_HTTP_PORT");
            options.DaprStateStore = configuration["Dapr:StateStore"] ?? options.DaprStateStore;
            options.DaprKeyPrefix = configuration["Dapr:KeyPrefix"] ?? options.DaprKeyPrefix;
        });
        // Dapr mode: the store through DaprClient; until the sidecar answers, health NOT_SERVING and calls UNAVAILABLE.
        services.AddDaprSidecar(provider => provider.GetRequiredService<IOptions<StorageOptions>>().Value.DaprHttpPort is not null);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(provider => FolderLock.Acquire(provider.GetRequiredService<IOptions<StorageOptions>>().Value.DataFolder, DataFolder.Setting));
        services.AddSingleton<IExperimentStore>(provider =>
        {
            var storage = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
            if (storage.DaprHttpPort is null)
            {
                // Local mode: the SQLite file in the data folder, held by one process at a time.
                provider.GetRequiredService<FolderLock>();
            }
            return ExperimentStores.Create(provider, storage);
        });
        services.AddSingleton<DefinitionValidator>();
        services.AddSingleton<DefinitionFeed>();
        services.AddSingleton<ExperimentCatalog>();
        services.AddHostedService<CatalogLoader>();

        // Microsoft.FeatureManagement over the same definitions: what SDK users call, and the reference the
        // precompiled evaluator on the Assign path is proven identical to.
        services.AddSingleton<IFeatureDefinitionProvider>(provider =>
        {
            var feed = provider.GetRequiredService<DefinitionFeed>();
            return new ExperimentFeatureDefinitionProvider(() => feed.Current);
        });
        services.AddFeatureManagement().AddFeatureFilter<EnrollmentFilter>();

        services.AddSingleton<ExposureMetrics>();
        services.AddSingleton<ExposureBuffer>();
        services.AddHostedService<ExposureSender>();
        services.AddPeerClient<Ingestion.IngestionClient>(provider =>
        {
            var exposures = provider.GetRequiredService<IOptions<ExposureOptions>>().Value;
            // With Exposures:DaprAppId and no address: through this service's own sidecar (gRPC proxying).
            return new PeerAddress(exposures.IngestionAddress is { Length: > 0 } address ? new Uri(address) : null, exposures.ApiKey, exposures.DaprAppId);
        });

        // One instance per process: Assign is the hot path, and neither service keeps per-call state.
        services.AddSingleton<ExperimentAdminService>();
        services.AddSingleton<AssignmentService>();
        services.AddSingleton<DomainErrorInterceptor>();
        services.AddGrpc()
            .AddServiceOptions<ExperimentAdminService>(o => o.Interceptors.Add<DomainErrorInterceptor>())
            .AddServiceOptions<AssignmentService>(o => o.Interceptors.Add<DomainErrorInterceptor>());
        services.AddHealthFor(AdminService, AssignmentServiceName);
        services.AddHealthChecks()
            .AddCheck<CatalogHealthCheck>("definitions")
            .AddProbe<IExperimentStore>("store", (store, cancellationToken) => store.ProbeAsync(cancellationToken), "the definitions store cannot take a write");
        return builder;
    }

    /// <summary>Maps ExperimentAdmin (admin scope; reads need read) and Assignment (read scope).</summary>
    public static WebApplication MapAssignment(this WebApplication app)
    {
        app.MapGrpcService<ExperimentAdminService>();
        app.MapGrpcService<AssignmentService>();
        app.RequireScope(AdminService, Scopes.Admin);
        app.RequireScope(AssignmentServiceName, Scopes.Read);
        var scopes = app.Services.GetRequiredService<MethodScopes>();
        foreach (var method in new[] { "GetExperiment", "ListExperiments", "ListAuditEntries" })
        {
            scopes.RequireForMethod(AdminService, method, Scopes.Read);
        }
        return app;
    }
}
