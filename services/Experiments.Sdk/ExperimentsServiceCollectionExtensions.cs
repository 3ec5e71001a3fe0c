using Experiments.Assignment.Evaluation;
using Experiments.Grpc.Server;
using Experiments.Sdk;
using Experiments.Sdk.Definitions;
using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Grpc;
using Experiments.Sdk.Http;
using Experiments.Sdk.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.FeatureManagement;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Experiments SDK.</summary>
public static class ExperimentsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Experiments SDK: Microsoft.FeatureManagement whose <see cref="IVariantFeatureManager"/> and
    /// <see cref="IFeatureManager"/> evaluate in-process from the assignment service's definitions (watched in the
    /// background), the telemetry buffer and its background sender, the middleware's and gRPC interceptor's
    /// services, and the <c>Experiments.Sdk</c> meter. Options come from the <c>Experiments</c> configuration
    /// section, then from <paramref name="configure"/>. Nothing here waits for the services: the app starts even
    /// when neither is reachable. Add variant services with <see cref="ExperimentsBuilder.WithVariantService{TService}"/>
    /// and the middleware with <c>app.UseExperiments()</c>.
    /// </summary>
    public static ExperimentsBuilder AddExperiments(this IServiceCollection services, Action<ExperimentsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ExperimentsOptions>().BindConfiguration("Experiments");
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.AddMetrics();
        services.TryAddSingleton<ExperimentsChannels>();
        services.TryAddSingleton<DefinitionsStore>();
        services.TryAddSingleton<TelemetryBuffer>();
        services.TryAddSingleton<ExperimentsMetrics>();
        services.TryAddSingleton<ExposureRecorder>();
        services.TryAddSingleton<FallbackVariants>();
        services.TryAddSingleton<ExperimentsRuntime>();
        services.TryAddSingleton<ApiNames>();
        services.TryAddSingleton(sp => new ExperimentsStatus(
            sp.GetRequiredService<DefinitionsStore>(), sp.GetRequiredService<ExperimentsMetrics>(), sp.GetRequiredService<TelemetrySenderHost>()));
        services.TryAddSingleton(sp => new ExperimentsInterceptor(sp.GetRequiredService<ExperimentsRuntime>()));
        services.TryAddSingleton<ExperimentsFeatureManager>();
        services.AddHostedService<DefinitionsWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<TelemetrySenderHost>().Sender);
        services.TryAddSingleton<TelemetrySenderHost>();

        var featureManagement = services.AddFeatureManagement();
        // Microsoft.FeatureManagement's own FeatureManager, where resolved directly, reads the same definitions
        // through the service's definition provider and enrollment filter.
        services.Replace(ServiceDescriptor.Singleton<IFeatureDefinitionProvider>(sp =>
        {
            var store = sp.GetRequiredService<DefinitionsStore>();
            return new ExperimentFeatureDefinitionProvider(() => store.Current.Set);
        }));
        featureManagement.AddFeatureFilter<EnrollmentFilter>();
        // Variant services and every IVariantFeatureManager / IFeatureManager consumer get the precompiled evaluator.
        services.Replace(ServiceDescriptor.Singleton<IVariantFeatureManager>(sp => sp.GetRequiredService<ExperimentsFeatureManager>()));
        services.Replace(ServiceDescriptor.Singleton<IFeatureManager>(sp => sp.GetRequiredService<ExperimentsFeatureManager>()));
        return new ExperimentsBuilder(featureManagement);
    }

    /// <summary>Adds the SDK's interceptor to the Experiments gRPC server: each call is recorded and serves its unit.</summary>
    public static GrpcServerOptions AddExperimentsInterceptor(this GrpcServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Interceptors.Add(typeof(ExperimentsInterceptor));
        return options;
    }
}
