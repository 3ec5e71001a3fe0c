using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Experiments.Grpc.Server;

/// <summary>
/// Gets the service instance for a call: from the container when the service is registered there (the
/// container owns it), otherwise a new instance per call that is disposed when the call ends.
/// </summary>
internal sealed class ServiceActivator<TService>
    where TService : class
{
    private readonly ObjectFactory<TService>? _factory;
    private readonly IServiceProvider? _singletonProvider;
    private TService? _singleton;

    public ServiceActivator(IServiceProvider root)
    {
        var registered = root.GetService<IServiceProviderIsService>()?.IsService(typeof(TService)) ?? false;
        if (!registered)
        {
            _factory = ActivatorUtilities.CreateFactory<TService>([]);
        }
        else if (root.GetService<ServiceRegistrations>()?.IsSingleton(typeof(TService)) ?? false)
        {
            _singletonProvider = root;
        }
    }

    /// <summary>True when each call gets its own instance that must be released.</summary>
    public bool OwnsInstances => _factory is not null;

    public TService Create(HttpContext http)
    {
        if (_factory is not null)
        {
            return _factory(http.RequestServices, null);
        }
        // The container's one instance, resolved at the first call as before, but without creating the call's
        // request scope (HttpContext.RequestServices), which costs every call an allocation-heavy scope and its
        // disposal. Two first calls may race here; both get the same instance from the container.
        if (_singletonProvider is not null)
        {
            return _singleton ??= _singletonProvider.GetRequiredService<TService>();
        }
        return http.RequestServices.GetRequiredService<TService>();
    }

    public static ValueTask ReleaseAsync(TService service)
    {
        switch (service)
        {
            case IAsyncDisposable asyncDisposable:
                return asyncDisposable.DisposeAsync();
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
        return ValueTask.CompletedTask;
    }
}
