using Experiments.Grpc.Server;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Experiments.Grpc.Health;

/// <summary>
/// The serving status of the server ("") and of each mapped service. Mapped services are SERVING unless
/// set otherwise; the server turns NOT_SERVING when it begins to shut down.
/// </summary>
public sealed class HealthStatusRegistry
{
    private readonly GrpcServiceRegistry _services;
    private readonly Dictionary<string, ServingStatus> _overrides = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private bool _shuttingDown;

    public HealthStatusRegistry(GrpcServiceRegistry services)
    {
        _services = services;
        _services.ServiceAdded += service => Changed?.Invoke(service.FullName);
    }

    /// <summary>Raised with the service name whose status may have changed ("" for all).</summary>
    public event Action<string>? Changed;

    /// <summary>The status of a service, or null when the server knows no such service.</summary>
    public ServingStatus? GetStatus(string service)
    {
        lock (_lock)
        {
            if (_shuttingDown)
            {
                return service.Length == 0 || _services.Contains(service) || _overrides.ContainsKey(service) ? ServingStatus.NotServing : null;
            }
            if (_overrides.TryGetValue(service, out var status))
            {
                return status;
            }
        }
        return service.Length == 0 || _services.Contains(service) ? ServingStatus.Serving : null;
    }

    public void SetStatus(string service, ServingStatus status)
    {
        lock (_lock)
        {
            _overrides[service] = status;
        }
        Changed?.Invoke(service);
    }

    /// <summary>Marks everything NOT_SERVING, so load balancers drain the server before it stops.</summary>
    public void EnterShutdown()
    {
        lock (_lock)
        {
            _shuttingDown = true;
        }
        Changed?.Invoke("");
    }
}
