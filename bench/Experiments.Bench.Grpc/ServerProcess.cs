using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Experiments.Bench.Grpc;

/// <summary>The bench server, started as a child process running this same binary with <c>serve</c>.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr;

    private ServerProcess(Process process, StringBuilder stderr, Uri grpcDotnetAddress, Uri bareAddress)
    {
        _process = process;
        _stderr = stderr;
        Endpoints = new BenchPair(new BenchEndpoint(BenchEndpoint.GrpcDotnetName, grpcDotnetAddress), new BenchEndpoint(BenchEndpoint.BareName, bareAddress));
    }

    /// <summary>The Grpc.AspNetCore app and the bare app, each with a client of its own.</summary>
    public BenchPair Endpoints { get; }

    public int Id => _process.Id;

    /// <summary>What the server wrote to stderr, and whether it died: for the report of a failed run.</summary>
    public string Diagnostics
    {
        get
        {
            lock (_stderr)
            {
                var state = _process.HasExited ? $"the server exited with {_process.ExitCode}" : "the server is still running";
                return _stderr.Length == 0 ? state + "." : $"{state}; its stderr:\n{_stderr}";
            }
        }
    }

    public static async Task<ServerProcess> StartAsync(TimeSpan timeout, CancellationToken token)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Under `dotnet x.dll` the process is the muxer, which needs the assembly; under the apphost it does not.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }
        start.ArgumentList.Add("serve");
        var process = Process.Start(start) ?? throw new BenchFailure("Could not start the bench server.");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        cts.CancelAfter(timeout);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                if (line.StartsWith(BenchServer.ReadyPrefix, StringComparison.Ordinal))
                {
                    var addresses = line[BenchServer.ReadyPrefix.Length..].Split(' ');
                    var server = new ServerProcess(process, stderr, new Uri(addresses[0]), new Uri(addresses[1]));
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return server;
                }
            }
            throw new BenchFailure("The bench server exited before it listened: " + stderr);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Endpoints.GrpcDotnet.Dispose();
        Endpoints.Bare.Dispose();
        // Closing its stdin tells the server to stop; it gets a few seconds before it is killed.
        _process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
