using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Experiments.Bench.Peeking;

/// <summary>
/// The three services in local mode, started as a user starts them: the launcher (<c>Experiments.Launcher --data DIR
/// --port N</c>) as a child process from this program's output folder, with a temporary data folder. Its output goes to
/// <c>launcher.log</c> in that folder. Stopped with SIGTERM (the launcher stops its services gracefully), killed
/// with its process tree if it has not exited within <see cref="StopGrace"/>.
/// </summary>
internal sealed class LocalServices : IAsyncDisposable
{
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(40);

    private readonly Process _process;
    private readonly StreamWriter _log;

    private LocalServices(Process process, StreamWriter log, int firstPort)
    {
        _process = process;
        _log = log;
        AssignmentAddress = Address(firstPort);
        IngestionAddress = Address(firstPort + 1);
        StatisticsAddress = Address(firstPort + 2);
    }

    public string AssignmentAddress { get; }

    public string IngestionAddress { get; }

    public string StatisticsAddress { get; }

    public static async Task<LocalServices> StartAsync(string dataFolder, int firstPort, CancellationToken cancellationToken)
    {
        // The launcher's ports: gRPC at +0..+2, JSON at +20..+22, the dashboard at +79.
        int[] ports = [firstPort, firstPort + 1, firstPort + 2, firstPort + 20, firstPort + 21, firstPort + 22, firstPort + 79];
        if (ports.FirstOrDefault(p => !IsFree(p)) is var taken and > 0)
        {
            throw new InvalidOperationException($"Port {taken} is in use; choose other ports with --port.");
        }
        Directory.CreateDirectory(dataFolder);
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Experiments.Launcher.dll"), "--data", dataFolder, "--port", firstPort.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }
        var log = new StreamWriter(Path.Combine(dataFolder, "launcher.log")) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the launcher.");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }
            lock (log)
            {
                log.WriteLine(line);
            }
            if (line.StartsWith("Experiments is running in local mode", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (log)
                {
                    log.WriteLine("[stderr] " + line);
                }
                Console.Error.WriteLine("[launcher] " + line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var services = new LocalServices(process, log, firstPort);
        try
        {
            await Task.WhenAny(ready.Task, process.WaitForExitAsync(cancellationToken)).WaitAsync(ReadyLimit, cancellationToken).ConfigureAwait(false);
            if (!ready.Task.IsCompleted)
            {
                throw new InvalidOperationException($"The launcher exited before the services were listening (exit code {process.ExitCode}); see {dataFolder}/launcher.log.");
            }
            return services;
        }
        catch
        {
            await services.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the launcher stops its children gracefully, ingestion first.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().ConfigureAwait(false);
            }
            try
            {
                await _process.WaitForExitAsync().WaitAsync(StopGrace).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Console.Error.WriteLine("The launcher did not stop within 40 s of SIGTERM; killing it and its services.");
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private static string Address(int port) => "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
