using Google.Protobuf.Reflection;

namespace Experiments.Grpc.Server;

/// <summary>The services mapped on this server, by full proto name; read by reflection and health.</summary>
public sealed class GrpcServiceRegistry
{
    private readonly Dictionary<string, ServiceDescriptor> _services = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public event Action<ServiceDescriptor>? ServiceAdded;

    public IReadOnlyList<ServiceDescriptor> Services
    {
        get
        {
            lock (_lock)
            {
                return [.. _services.Values];
            }
        }
    }

    public bool Contains(string serviceName)
    {
        lock (_lock)
        {
            return _services.ContainsKey(serviceName);
        }
    }

    internal bool FallbackMapped { get; set; }

    internal void Add(ServiceDescriptor service)
    {
        lock (_lock)
        {
            if (!_services.TryAdd(service.FullName, service))
            {
                throw new InvalidOperationException($"gRPC service {service.FullName} is mapped twice.");
            }
        }
        ServiceAdded?.Invoke(service);
    }
}
