using System.Diagnostics;

namespace Experiments.Tests.Shared;

/// <summary>Runs the Python gRPC peer scripts with Debian's interpreter (python3-grpcio, python3-grpc-tools).</summary>
internal static class Python
{
    // Debian's packages live under /usr/bin/python3; the python3 on PATH is a different interpreter.
    public const string Interpreter = "/usr/bin/python3";

    public static string ScriptsFolder => Path.Combine(AppContext.BaseDirectory, "python");

    public static string ProtosRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Experiments.sln")))
                {
                    return Path.Combine(dir.FullName, "protos");
                }
            }
            throw new InvalidOperationException("Cannot find the repository root (Experiments.sln) above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Runs a script to completion (bounded by <paramref name="timeout"/>); returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string script, TimeSpan timeout, params string[] arguments)
    {
        using var process = Start(script, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}: {await stdout}{await stderr}");
        }
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    public static Process Start(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = ScriptsFolder,
        };
        start.ArgumentList.Add(Path.Combine(ScriptsFolder, script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start " + Interpreter);
    }
}
