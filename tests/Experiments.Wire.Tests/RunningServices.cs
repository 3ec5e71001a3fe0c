using Experiments.Tests.Shared;

namespace Experiments.Wire.Tests;

/// <summary>
/// The three services, each started once for the whole class from its own build output, in local mode with the
/// development key, its data in a temporary folder and an HTTP/1.1 listener for JSON. Statistics follows assignment.
/// </summary>
public sealed class RunningServices : IAsyncLifetime
{
    public const string ApiKey = "dev-local-key";

    /// <summary>The development service-to-service key (scopes internal and read): StatisticsIntake refuses <see cref="ApiKey"/>.</summary>
    public const string InternalKey = "dev-internal-key";

    private readonly string _data = Directory.CreateTempSubdirectory("exp-wire-").FullName;
    private readonly Dictionary<string, ServiceProcess> _services = [];

    public ServiceProcess this[string service] => _services[service];

    /// <summary>The HTTP/1.1 address (JSON transcoding, /metrics) of a service.</summary>
    public Dictionary<string, string> RestAddresses { get; } = [];

    public async Task InitializeAsync()
    {
        var assignment = await StartAsync("assignment", "Experiments.Assignment", "--Exposures:IngestionAddress=");
        await StartAsync("ingestion", "Experiments.Ingestion", "--Ingestion:Forwarding:Mode=None");
        await StartAsync("statistics", "Experiments.Statistics", $"--Statistics:AssignmentAddress={assignment.Address}", $"--Statistics:AssignmentApiKey={ApiKey}", "--Dashboard:Urls=http://127.0.0.1:0");
    }

    public async Task DisposeAsync()
    {
        foreach (var service in _services.Values)
        {
            await service.DisposeAsync();
        }
        Directory.Delete(_data, recursive: true);
    }

    private async Task<ServiceProcess> StartAsync(string name, string assembly, params string[] arguments)
    {
        var rest = $"http://127.0.0.1:{FreePort()}";
        var process = await ServiceProcess.StartBuiltAsync(assembly,
            [$"--Data:Folder={Path.Combine(_data, name)}", $"--Ingestion:Log:DataPath={Path.Combine(_data, name, "log")}", $"--Rest:Urls={rest}", .. arguments]);
        _services[name] = process;
        RestAddresses[name] = rest;
        return process;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
