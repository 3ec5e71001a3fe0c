using Experiments.Sdk.Evaluation;
using Experiments.Sdk.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FeatureManagement;

namespace Experiments.Sdk;

/// <summary>
/// Returned by <c>AddExperiments</c>: adds variant services. Also an <see cref="IFeatureManagementBuilder"/>, so
/// Microsoft.FeatureManagement's own builder extensions apply to it.
/// </summary>
public sealed class ExperimentsBuilder : IFeatureManagementBuilder
{
    private readonly IFeatureManagementBuilder _featureManagement;

    internal ExperimentsBuilder(IFeatureManagementBuilder featureManagement) => _featureManagement = featureManagement;

    /// <summary>The app's services.</summary>
    public IServiceCollection Services => _featureManagement.Services;

    /// <inheritdoc />
    public IFeatureManagementBuilder AddFeatureFilter<T>()
        where T : IFeatureFilterMetadata
    {
        _featureManagement.AddFeatureFilter<T>();
        return this;
    }

    /// <inheritdoc />
    public IFeatureManagementBuilder AddSessionManager<T>()
        where T : ISessionManager
    {
        _featureManagement.AddSessionManager<T>();
        return this;
    }

    /// <summary>
    /// Serves one implementation of <typeparamref name="TService"/> per variant of <paramref name="flagKey"/>: inject
    /// <see cref="IVariantServiceProvider{TService}"/> (or <see cref="IContextualVariantServiceProvider{TService}"/>)
    /// and call <c>GetServiceAsync</c> to get the implementation of the variant the current unit is assigned.
    /// Implementations are found as Microsoft.FeatureManagement finds them: a keyed <typeparamref name="TService"/>
    /// whose key is the variant name, else one registered as <typeparamref name="TService"/> and named after the
    /// variant by <see cref="VariantServiceAliasAttribute"/> (or its class name); one instance per variant is kept.
    /// Until the flag's definition arrives — or if the assignment service is unreachable at start — every unit gets
    /// <paramref name="fallbackVariant"/>'s implementation (or, when configuration declares the flag, the variant
    /// configuration assigns).
    /// </summary>
    /// <exception cref="InvalidOperationException">A variant service of <typeparamref name="TService"/> has already been added.</exception>
    public ExperimentsBuilder WithVariantService<TService>(string flagKey, string fallbackVariant = "control")
        where TService : class
    {
        ArgumentException.ThrowIfNullOrEmpty(flagKey);
        ArgumentException.ThrowIfNullOrEmpty(fallbackVariant);
        if (Services.Any(d => d.ServiceType == typeof(IVariantServiceProvider<TService>)))
        {
            throw new InvalidOperationException($"A variant service of {typeof(TService).FullName} has already been added.");
        }
        // Ours rather than Microsoft.FeatureManagement's: same implementations, resolved once per arm.
        Services.AddSingleton(sp => new ExperimentsVariantServiceProvider<TService>(flagKey, sp.GetRequiredService<ExperimentsFeatureManager>(), sp));
        Services.AddSingleton<IVariantServiceProvider<TService>>(sp => sp.GetRequiredService<ExperimentsVariantServiceProvider<TService>>());
        Services.AddSingleton<IContextualVariantServiceProvider<TService>>(sp => sp.GetRequiredService<ExperimentsVariantServiceProvider<TService>>());
        Services.AddSingleton(new FallbackRegistration(flagKey, fallbackVariant));
        return this;
    }

    /// <summary>
    /// Measures how fresh each streamed <typeparamref name="TMessage"/> is when it is delivered: for every message of
    /// that type written by one of the app's gRPC server streams, or read from a dependency's stream through a client
    /// with <c>AddExperimentsTelemetry</c>, the delay from <paramref name="sourceTime"/> (e.g. a quote's exchange time) to
    /// its delivery on <see cref="ExperimentsOptions.StalenessClock"/>, recorded under the stream's API name with
    /// <c>#staleness</c> (a latency KPI: <c>Kpi.api_name</c> <c>"trading.v1.TradingCore/StreamQuotes#staleness"</c>).
    /// A selector that throws leaves that message unmeasured (counted), never failing the stream.
    /// </summary>
    /// <exception cref="InvalidOperationException">A source time for <typeparamref name="TMessage"/> has already been added.</exception>
    public ExperimentsBuilder WithStaleness<TMessage>(Func<TMessage, DateTimeOffset> sourceTime)
    {
        ArgumentNullException.ThrowIfNull(sourceTime);
        if (Services.Any(d => d.ImplementationInstance is StalenessSource s && s.MessageType == typeof(TMessage)))
        {
            throw new InvalidOperationException($"A source time for {typeof(TMessage).FullName} has already been added.");
        }
        Services.AddSingleton(new StalenessSource(typeof(TMessage), sourceTime));
        return this;
    }

    /// <summary>Serves <paramref name="fallbackVariant"/> for <paramref name="flagKey"/> until its definition arrives.</summary>
    public ExperimentsBuilder WithFallbackVariant(string flagKey, string fallbackVariant)
    {
        ArgumentException.ThrowIfNullOrEmpty(flagKey);
        ArgumentException.ThrowIfNullOrEmpty(fallbackVariant);
        Services.AddSingleton(new FallbackRegistration(flagKey, fallbackVariant));
        return this;
    }
}
