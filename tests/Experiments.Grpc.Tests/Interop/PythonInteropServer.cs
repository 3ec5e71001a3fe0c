using System.Diagnostics;
using Experiments.Tests.Shared;

namespace Experiments.Grpc.Tests.Interop;

/// <summary>grpcio's Python server running the interop service on a loopback port, for our client to call.</summary>
public sealed class PythonInteropServer : IAsyncLifetime
{
    private Process? _process;

    public string Address { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _process = Python.Start("interop_server.py", Python.ProtosRoot);
        var portLine = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (!int.TryParse(portLine, out var port))
        {
            throw new InvalidOperationException($"The Python server did not print its port: '{portLine}' {await _process.StandardError.ReadToEndAsync()}");
        }
        Address = $"http://127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }
        // Closing its standard input stops the server; kill it if it does not go in time.
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
