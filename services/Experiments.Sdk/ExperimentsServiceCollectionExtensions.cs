using Experiments.Assignment.Evaluation;
using Grpc.AspNetCore.Server;
using Experiments.Sdk;
using Experiments.Sdk.Capture;
using Experiments.Sdk.Definitions;
using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Grpc;
using Experiments.Sdk.Http;
using Experiments.Sdk.Replay;
using Experiments.Sdk.Streams;
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
    /// services, capture of inbound calls and replay of recorded ones (both off unless configured: Experiments:Capture,
    /// Experiments:Replay), and the <c>Experiments.Sdk</c> meter. Options come from the <c>Experiments</c> configuration
    /// section, then from <paramref name="configure"/>. Nothing here waits for the services: the app starts even
    /// when neither is reachable. Add variant services with <see cref="ExperimentsBuilder.WithVariantService{TService}"/>
    /// and the middleware with <c>app.UseExperiments()</c>.
    /// </summary>
    public static ExperimentsBuilder AddExperiments(this IServiceCollection services, Action<ExperimentsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var alreadyAdded = services.Any(d => d.ServiceType == typeof(ExperimentsFeatureManager));
        var options = services.AddOptions<ExperimentsOptions>().BindConfiguration("Experiments");
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ExperimentsChannels>();
        services.TryAddSingleton<DefinitionsStore>();
        services.TryAddSingleton<TelemetryBuffer>();
        services.TryAddSingleton<ExperimentsMetrics>();
        services.TryAddSingleton<ExposureRecorder>();
        services.TryAddSingleton<FallbackVariants>();
        services.TryAddSingleton<StalenessSources>();
        services.TryAddSingleton<ExperimentsRuntime>();
        services.TryAddSingleton<ApiNames>();
        services.TryAddSingleton(sp => new ExperimentsStatus(
            sp.GetRequiredService<DefinitionsStore>(), sp.GetRequiredService<ExperimentsMetrics>(), sp.GetRequiredService<TelemetrySenderHost>()));
        services.TryAddSingleton<Redactor>();
        services.TryAddSingleton<CaptureBuffer>();
        services.TryAddSingleton<Capturer>();
        services.TryAddSingleton<ReplayGate>();
        services.TryAddSingleton<CallScopes>();
        services.TryAddSingleton(sp => new ExperimentsInterceptor(sp.GetRequiredService<ExperimentsRuntime>(), sp.GetRequiredService<CallScopes>()));
        services.TryAddSingleton(sp => new ExperimentsFeatureManager(
            sp.GetRequiredService<DefinitionsStore>(), sp.GetRequiredService<ExposureRecorder>(), sp.GetRequiredService<FallbackVariants>(), new ConfiguredFlags(sp)));
        services.AddHostedService<DefinitionsWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<TelemetrySenderHost>().Sender);
        services.TryAddSingleton<TelemetrySenderHost>();
        services.AddHostedService<CaptureSender>();

        // The app's definition provider before the SDK's (Microsoft.FeatureManagement's configuration provider,
        // unless the app registered another): experiments are served before it, its own flags after.
        var appDefinitions = services.LastOrDefault(d => d.ServiceType == typeof(IFeatureDefinitionProvider) && !d.IsKeyedService);
        var featureManagement = services.AddFeatureManagement();
        appDefinitions ??= services.LastOrDefault(d => d.ServiceType == typeof(IFeatureDefinitionProvider) && !d.IsKeyedService);
        if (!alreadyAdded)
        {
            // Microsoft.FeatureManagement's own FeatureManager, where resolved directly, reads the same definitions
            // through the service's definition provider and enrollment filter, then the app's.
            services.Replace(ServiceDescriptor.Singleton<IFeatureDefinitionProvider>(sp =>
                new ExperimentsDefinitionProvider(sp.GetRequiredService<DefinitionsStore>(), Create(sp, appDefinitions), ownsOther: appDefinitions?.ImplementationInstance is null)));
        }
        featureManagement.AddFeatureFilter<EnrollmentFilter>();
        // Variant services and every IVariantFeatureManager / IFeatureManager consumer (Microsoft.FeatureManagement's
        // snapshots too, which wrap these: FeatureGate, tag helpers) get the precompiled evaluator for experiments,
        // and Microsoft.FeatureManagement for the rest.
        services.Replace(ServiceDescriptor.Singleton<IVariantFeatureManager>(sp => sp.GetRequiredService<ExperimentsFeatureManager>()));
        services.Replace(ServiceDescriptor.Singleton<IFeatureManager>(sp => sp.GetRequiredService<ExperimentsFeatureManager>()));
        return new ExperimentsBuilder(featureManagement);
    }

    /// <summary>
    /// Adds the SDK's interceptor to a Grpc.AspNetCore server (<c>services.AddGrpc(o => o.AddExperimentsInterceptor())</c>):
    /// each call is recorded and serves its unit.
    /// </summary>
    public static GrpcServiceOptions AddExperimentsInterceptor(this GrpcServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Interceptors.Add<ExperimentsInterceptor>();
        return options;
    }

    private static IFeatureDefinitionProvider? Create(IServiceProvider services, ServiceDescriptor? descriptor) => descriptor switch
    {
        null => null,
        { ImplementationInstance: IFeatureDefinitionProvider instance } => instance,
        { ImplementationFactory: { } factory } => (IFeatureDefinitionProvider)factory(services),
        { ImplementationType: { } type } => (IFeatureDefinitionProvider)ActivatorUtilities.CreateInstance(services, type),
        _ => null,
    };
}
