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

    public ServiceActivator(IServiceProvider root)
    {
        var registered = root.GetService<IServiceProviderIsService>()?.IsService(typeof(TService)) ?? false;
        if (!registered)
        {
            _factory = ActivatorUtilities.CreateFactory<TService>([]);
        }
    }

    /// <summary>True when each call gets its own instance that must be released.</summary>
    public bool OwnsInstances => _factory is not null;

    public TService Create(IServiceProvider services) =>
        _factory is null ? services.GetRequiredService<TService>() : _factory(services, null);

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
