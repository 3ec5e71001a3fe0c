using System.Diagnostics;
using System.Text.Json;
using Experiments.Tests.Shared;

namespace Experiments.Statistics.Tests.Replay;

/// <summary>Runs a short script with Debian's Python (scipy, statsmodels): JSON in on stdin, JSON out on stdout.</summary>
internal static class ScipyReference
{
    public static async Task<JsonElement> RunAsync(string script, object input)
    {
        var start = new ProcessStartInfo(Python.Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await stderr);
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }
}
