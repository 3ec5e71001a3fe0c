using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Experiments.Tests.Shared;

/// <summary>
/// One of our services started as a real process (<c>dotnet Service.dll --urls http://127.0.0.1:0</c>), the
/// way a user runs it; the address is read from Kestrel's "Now listening on" line.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output;

    private ServiceProcess(Process process, string address, List<string> output)
    {
        _process = process;
        Address = address;
        _output = output;
    }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process has written so far (stdout and stderr, by line), for test diagnostics.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public string Address { get; }

    /// <summary>host:port, as grpcio targets are written.</summary>
    public string Target => new Uri(Address).Authority;

    public static Task<ServiceProcess> StartAsync(string assemblyName, params string[] arguments) =>
        StartInAsync(AppContext.BaseDirectory, assemblyName, arguments);

    /// <summary>
    /// Starts a service from its own project's build output (services/NAME/bin/CONFIG/net10.0, CONFIG as this test's),
    /// with its own appsettings.json: for tests that run several services, whose settings files would collide in one folder.
    /// </summary>
    public static Task<ServiceProcess> StartBuiltAsync(string assemblyName, params string[] arguments)
    {
        var testFolder = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testFolder.Name;
        var configuration = testFolder.Parent!.Name;
        var repository = testFolder;
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "Experiments.sln")))
        {
            repository = repository.Parent;
        }
        if (repository is null)
        {
            throw new InvalidOperationException("Cannot find the repository root (Experiments.sln) above " + AppContext.BaseDirectory);
        }
        return StartInAsync(Path.Combine(repository.FullName, "services", assemblyName, "bin", configuration, framework), assemblyName, arguments);
    }

    private static async Task<ServiceProcess> StartInAsync(string folder, string assemblyName, string[] arguments)
    {
        var dll = Path.Combine(folder, assemblyName + ".dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + dll);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new List<string>();
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (output)
            {
                output.Add(line);
            }
            var match = ListeningLine().Match(line);
            if (match.Success)
            {
                listening.TrySetResult(match.Groups[1].Value);
            }
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException(
            $"{assemblyName} exited with {process.ExitCode} before listening: {string.Join('\n', output)}"));

        var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return new ServiceProcess(process, address, output);
    }

    /// <summary>Kills the process at once (SIGKILL on Unix: no shutdown code runs) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Asks the process to stop as an orchestrator does (SIGTERM) and returns at once.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill?.WaitForExit();
    }

    /// <summary>Waits for the process to exit; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
