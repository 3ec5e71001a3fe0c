using System.Diagnostics;

namespace Experiments.Cli.Tests.Support;

/// <summary>Runs the built <c>exp</c> binary as a process, the way a user or a CI script does.</summary>
public static class ExpProcess
{
    public static async Task<CliResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "exp.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // Only what the test gives: no EXP_* settings or config files of whoever runs the tests.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("EXP_", StringComparison.Ordinal) || k == "XDG_CONFIG_HOME").ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment["HOME"] = workingDirectory;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start exp");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"exp {string.Join(' ', args)} did not exit: {await stdout}{await stderr}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
