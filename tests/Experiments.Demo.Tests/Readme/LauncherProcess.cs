using System.Diagnostics;
using System.Text;

namespace Experiments.Demo.Tests.Readme;

/// <summary>
/// README's first command, <c>launcher demo</c>, as a process on the default ports that keeps serving after the demo's
/// final verdict, as it does for a user; stopped with SIGTERM (Ctrl+C) when disposed.
/// </summary>
internal sealed class LauncherProcess : IAsyncDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private readonly Process _process;
    private readonly StringBuilder _output;

    private LauncherProcess(Process process, StringBuilder output)
    {
        _process = process;
        _output = output;
    }

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

    public static async Task<LauncherProcess> StartAsync(string repository, string data, string replayKey)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = repository };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "Experiments.Launcher.dll"), "demo", "--duration", "20s", "--data", data, "--replay-key", replayKey])
        {
            start.ArgumentList.Add(arg);
        }
        var output = new StringBuilder();
        var final = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
            if (e.Data?.StartsWith("FINAL ", StringComparison.Ordinal) == true)
            {
                final.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var launcher = new LauncherProcess(process, output);
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await Task.WhenAny(final.Task, process.WaitForExitAsync(limit.Token)).WaitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
        }
        if (!final.Task.IsCompleted || process.HasExited)
        {
            await launcher.DisposeAsync();
            Assert.Fail($"README's first command did not reach its final verdict and keep serving within {Limit.TotalMinutes} minutes:\n{launcher.Output}");
        }
        return launcher;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var terminate = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await terminate.WaitForExitAsync();
            }
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }
}
