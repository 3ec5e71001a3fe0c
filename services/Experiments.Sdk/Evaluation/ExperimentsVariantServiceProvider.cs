using System.Collections.Concurrent;
using System.Reflection;
using Experiments.Assignment.Evaluation;
using Experiments.Sdk.Definitions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.FeatureManagement;
using Microsoft.FeatureManagement.FeatureFilters;

namespace Experiments.Sdk.Evaluation;

/// <summary>
/// The SDK's variant service for <typeparamref name="TService"/> on one flag, in place of Microsoft.FeatureManagement's
/// (which goes through <see cref="IVariantFeatureManager"/> and resolves the implementation by variant name on every
/// call). For a flag the assignment service serves, the precompiled evaluator picks the arm and the arm's
/// implementation comes from a table built once per definitions version: no lookup by name, no delegate, no
/// allocation. Implementations are found as Microsoft.FeatureManagement finds them — a keyed service whose key is the
/// variant name, else the registered <typeparamref name="TService"/> whose <see cref="VariantServiceAliasAttribute"/>
/// (or class name) matches it, ignoring case — and one instance per variant is kept. Other flags (configuration,
/// fallback) go through the SDK's feature manager.
/// </summary>
internal sealed class ExperimentsVariantServiceProvider<TService> : IVariantServiceProvider<TService>, IContextualVariantServiceProvider<TService>
    where TService : class
{
    private readonly string _flagKey;
    private readonly ExperimentsFeatureManager _features;
    private readonly IServiceProvider _services;
    private readonly ConcurrentDictionary<string, TService?> _byVariantName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Func<string, TService?> _resolve;
    private Arms? _arms;

    public ExperimentsVariantServiceProvider(string flagKey, ExperimentsFeatureManager features, IServiceProvider services)
    {
        _flagKey = flagKey;
        _features = features;
        _services = services;
        _resolve = Resolve;
    }

    public ValueTask<TService> GetServiceAsync(CancellationToken cancellationToken)
    {
        var arms = ArmsNow();
        if (arms.Flag is { } flag)
        {
            return new ValueTask<TService>(arms.ServiceFor(_features.Decide(flag, ExperimentsContext.Current), this)!);
        }
        return ForVariantAsync(_features.GetVariantAsync(_flagKey, cancellationToken));
    }

    public ValueTask<TService> GetServiceAsync<TContext>(TContext context, CancellationToken cancellationToken)
    {
        // As Microsoft.FeatureManagement's: only a targeting context can assign a variant.
        if (context is not ITargetingContext targeting)
        {
            return new ValueTask<TService>((TService)null!);
        }
        var arms = ArmsNow();
        if (arms.Flag is { } flag && targeting is UnitTargetingContext unit)
        {
            return new ValueTask<TService>(arms.ServiceFor(_features.Decide(flag, new ServedUnit(unit.Context)), this)!);
        }
        return ForVariantAsync(_features.GetVariantAsync(_flagKey, targeting, cancellationToken));
    }

    private Arms ArmsNow()
    {
        var definitions = _features.Definitions;
        var arms = Volatile.Read(ref _arms);
        if (arms is null || !ReferenceEquals(arms.Definitions, definitions))
        {
            arms = new Arms(definitions, definitions.Find(_flagKey));
            Volatile.Write(ref _arms, arms);
        }
        return arms;
    }

    private ValueTask<TService> ForVariantAsync(ValueTask<Variant> variant)
    {
        if (variant.IsCompletedSuccessfully)
        {
            return new ValueTask<TService>(ForVariant(variant.Result)!);
        }
        return AwaitAsync(variant);

        async ValueTask<TService> AwaitAsync(ValueTask<Variant> pending) => ForVariant(await pending.ConfigureAwait(false))!;
    }

    private TService? ForVariant(Variant? variant) => variant?.Name is { } name ? _byVariantName.GetOrAdd(name, _resolve) : null;

    private TService? Resolve(string variantName)
    {
        if (_services is IKeyedServiceProvider && _services.GetKeyedService<TService>(variantName) is { } keyed)
        {
            return keyed;
        }
        foreach (var service in _services.GetServices<TService>())
        {
            if (service is not null && string.Equals(VariantNameOf(service.GetType()), variantName, StringComparison.OrdinalIgnoreCase))
            {
                return service;
            }
        }
        return null;
    }

    private static string VariantNameOf(Type implementation) =>
        implementation.GetCustomAttribute<VariantServiceAliasAttribute>()?.Alias ?? implementation.Name;

    /// <summary>The flag's arms at one definitions version, each with its implementation once first served.</summary>
    private sealed class Arms(ServedDefinitions definitions, ServedFlag? flag)
    {
        private readonly TService?[] _services = new TService?[flag?.Variants.Length ?? 0];
        private readonly bool[] _resolved = new bool[flag?.Variants.Length ?? 0];

        public ServedDefinitions Definitions { get; } = definitions;

        public ServedFlag? Flag { get; } = flag;

        public TService? ServiceFor(int arm, ExperimentsVariantServiceProvider<TService> owner)
        {
            if (Volatile.Read(ref _resolved[arm]))
            {
                return _services[arm];
            }
            // Races resolve the same instance: the provider keeps one per variant name.
            _services[arm] = owner.ForVariant(Flag!.Variants[arm]);
            Volatile.Write(ref _resolved[arm], true);
            return _services[arm];
        }
    }
}
