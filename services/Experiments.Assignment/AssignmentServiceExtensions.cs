using Experiments.Assignment;
using Experiments.Assignment.Definitions;
using Experiments.Assignment.Evaluation;
using Experiments.Assignment.Exposures;
using Experiments.Assignment.Rpc;
using Experiments.Assignment.Storage;
using Experiments.Contracts.V1;
using Experiments.Grpc.Health;
using Experiments.Grpc.Server;
using Experiments.ServiceDefaults.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.FeatureManagement;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

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
        services.AddOptions<ExposureOptions>().BindConfiguration("Exposures");
        services.AddOptions<StorageOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            options.DataFolder = configuration["Data:Folder"] ?? options.DataFolder;
            options.DaprHttpPort = configuration.GetValue<int?>("Dapr:HttpPort") ?? configuration.GetValue<int?>("DAPR_HTTP_PORT");
            options.DaprStateStore = configuration["Dapr:StateStore"] ?? options.DaprStateStore;
            options.DaprKeyPrefix = configuration["Dapr:KeyPrefix"] ?? options.DaprKeyPrefix;
            options.DaprApiToken = configuration["Dapr:ApiToken"] ?? configuration["DAPR_API_TOKEN"];
        });
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IExperimentStore>(provider => ExperimentStores.Create(provider.GetRequiredService<IOptions<StorageOptions>>().Value));
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

        services.AddSingleton<ExperimentAdminService>();
        services.AddSingleton<AssignmentService>();
        services.Configure<GrpcServerOptions>(options => options.Interceptors.Add(typeof(DomainErrorInterceptor)));
        return builder;
    }

    /// <summary>Maps ExperimentAdmin (admin scope; reads need read) and Assignment (read scope).</summary>
    public static WebApplication MapAssignment(this WebApplication app)
    {
        app.MapGrpcService<ExperimentAdminService>(ExperimentServiceReflection.Descriptor.Services[0]);
        app.MapGrpcService<AssignmentService>(AssignmentServiceReflection.Descriptor.Services[0]);
        app.RequireScope(AdminService, Scopes.Admin);
        app.RequireScope(AssignmentServiceName, Scopes.Read);
        var scopes = app.Services.GetRequiredService<MethodScopes>();
        foreach (var method in new[] { "GetExperiment", "ListExperiments", "ListAuditEntries" })
        {
            scopes.RequireForMethod(AdminService, method, Scopes.Read);
        }

        // Until the definitions are loaded the services would only make callers wait: say so to health checks.
        var catalog = app.Services.GetRequiredService<ExperimentCatalog>();
        if (!catalog.Ready.IsCompleted)
        {
            var health = app.Services.GetRequiredService<HealthStatusRegistry>();
            health.SetStatus(AdminService, ServingStatus.NotServing);
            health.SetStatus(AssignmentServiceName, ServingStatus.NotServing);
            catalog.Ready.ContinueWith(_ =>
            {
                health.SetStatus(AdminService, ServingStatus.Serving);
                health.SetStatus(AssignmentServiceName, ServingStatus.Serving);
            }, TaskScheduler.Default);
        }
        return app;
    }
}
