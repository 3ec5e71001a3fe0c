using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Experiments.Assignment.Tests.Support;

/// <summary>
/// A real Dapr sidecar (<c>daprd</c> from PATH) with one in-memory state store named <c>statestore</c>
/// (component type state.in-memory, which supports ETags and transactions).
/// </summary>
internal sealed class Daprd : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _resources;

    private Daprd(Process process, int httpPort, int grpcPort, string resources)
    {
        _process = process;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
        _resources = resources;
    }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    public static string? Executable { get; } = FindOnPath("daprd");

    public static bool IsInstalled => Executable is not null;

    public static async Task<Daprd> StartAsync()
    {
        var resources = TempFolder.Create();
        await File.WriteAllTextAsync(Path.Combine(resources, "statestore.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: statestore
            spec:
              type: state.in-memory
              version: v1
            """);
        var httpPort = FreePort();
        var grpcPort = FreePort();
        var start = new ProcessStartInfo(Executable!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--app-id", "assignment-store-test", "--dapr-http-port", httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--dapr-grpc-port", grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--metrics-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--resources-path", resources, "--log-level", "warn",
        })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start daprd");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync("v1.0/healthz");
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    break;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                throw new InvalidOperationException("daprd did not become healthy within 30 s");
            }
            await Task.Delay(200);
        }
        return new Daprd(process, httpPort, grpcPort, resources);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(_resources, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
