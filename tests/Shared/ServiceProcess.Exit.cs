using System.Diagnostics;

namespace Experiments.Tests.Shared;

public sealed partial class ServiceProcess
{
    /// <summary>
    /// Runs a service from this test's output folder until it exits on its own (a refused start), and returns its exit
    /// code and what it wrote, standard error and output apart. Kills it and throws when it is still running after
    /// <paramref name="timeout"/>.
    /// </summary>
    public static async Task<(int ExitCode, string[] StandardError, string[] StandardOutput)> RunToExitAsync(string assemblyName, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + assemblyName);
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assemblyName} was still running after {timeout}: {await output}");
        }
        return (process.ExitCode, Lines(await error), Lines(await output));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
