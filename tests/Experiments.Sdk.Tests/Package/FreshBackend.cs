using System.Diagnostics;
using System.Text;

namespace Experiments.Sdk.Tests.Package;

/// <summary>
/// A new grpc-dotnet backend written, built and run as its own process, the way a user would: its own folder,
/// nuget.config and props, the packed SDK from a local feed beside the usual Grpc.AspNetCore packages.
/// </summary>
internal sealed class FreshBackend : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private FreshBackend(Process process, StringBuilder output)
    {
        _process = process;
        _output = output;
    }

    /// <summary>Where it listens, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string Address { get; private set; } = "";

    /// <summary>What the backend has printed so far (its console log), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Writes the backend's files into <paramref name="folder"/>.</summary>
    public static async Task WriteAsync(string folder, string feed, IReadOnlyDictionary<string, string> packages, TimeSpan timeout)
    {
        Directory.CreateDirectory(Path.Combine(folder, "Protos"));
        await File.WriteAllTextAsync(Path.Combine(folder, "nuget.config"), FreshBackendSources.NuGetConfig(feed, await MachineSourcesAsync(folder, timeout)));
        await File.WriteAllTextAsync(Path.Combine(folder, "Directory.Build.props"), FreshBackendSources.DirectoryBuildProps);
        await File.WriteAllTextAsync(Path.Combine(folder, "Directory.Build.targets"), FreshBackendSources.DirectoryBuildTargets);
        await File.WriteAllTextAsync(Path.Combine(folder, "Directory.Packages.props"), FreshBackendSources.DirectoryPackagesProps);
        await File.WriteAllTextAsync(Path.Combine(folder, "Fresh.Backend.csproj"), FreshBackendSources.Project(packages));
        await File.WriteAllTextAsync(Path.Combine(folder, "Protos", "greet.proto"), FreshBackendSources.GreetProto);
        await File.WriteAllTextAsync(Path.Combine(folder, "Program.cs"), FreshBackendSources.Program);
    }

    /// <summary>Starts the built backend and waits until it listens; <paramref name="environment"/> configures it.</summary>
    public static async Task<FreshBackend> StartAsync(string assembly, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = DotnetCli.StartInfo(Path.GetDirectoryName(assembly)!, [assembly]);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (output)
            {
                output.AppendLine(line);
            }
            if (line.StartsWith("listening ", StringComparison.Ordinal))
            {
                listening.TrySetResult(line["listening ".Length..].Trim());
            }
        }
        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The backend exited (" + process.ExitCode + ") before it listened."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var backend = new FreshBackend(process, output);
        try
        {
            backend.Address = await listening.Task.WaitAsync(timeout);
            return backend;
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
        {
            await backend.DisposeAsync();
            throw new InvalidOperationException(exception.Message + " Its output:\n" + backend.Output, exception);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    /// <summary>The package sources this machine's NuGet configuration enables (as <c>dotnet nuget list source</c> gives them).</summary>
    private static async Task<IReadOnlyList<(string Name, string Source)>> MachineSourcesAsync(string folder, TimeSpan timeout)
    {
        var (exitCode, output) = await DotnetCli.RunAsync(folder, timeout, "nuget", "list", "source", "--format", "Short");
        if (exitCode != 0)
        {
            throw new InvalidOperationException("dotnet nuget list source failed:\n" + output);
        }
        // Short format: one line per source, "E <url>" when enabled, "D <url>" when disabled.
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("E ", StringComparison.Ordinal))
            .Select((line, i) => ("machine-source-" + i, line[2..].Trim()))
            .ToArray();
    }
}
