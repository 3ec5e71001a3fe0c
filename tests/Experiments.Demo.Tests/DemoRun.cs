using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Experiments.Demo.Tests;

/// <summary>
/// Runs <c>Experiments.Launcher demo</c> as a process, as a user would, to its final line
/// <c>FINAL experiment=… decision=… status=… rollout=…</c>.
/// </summary>
internal static partial class DemoRun
{
    public const string ApiKey = "dev-local-key";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(240);

    /// <summary>
    /// Runs the demo to its FINAL line. With <paramref name="whileServing"/>, the launcher keeps its services up after
    /// the demo (no <c>--exit</c>), the callback gets the FINAL line and the assignment service's port, and the launcher
    /// is stopped afterwards.
    /// </summary>
    public static async Task<FinalLine> RunAsync(string scenario, string duration, string[]? extra = null, Func<FinalLine, int, Task>? whileServing = null, int users = 1500)
    {
        var port = FreePortBlock();
        var data = Path.Combine(Path.GetTempPath(), "experiments-demo-tests", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Experiments.Launcher.dll"));
        foreach (var arg in (string[])["demo", "--scenario", scenario, "--duration", duration, "--users", users.ToString(CultureInfo.InvariantCulture), "--port", port.ToString(CultureInfo.InvariantCulture), "--data", data, .. extra ?? []])
        {
            start.ArgumentList.Add(arg);
        }
        if (whileServing is null)
        {
            start.ArgumentList.Add("--exit");
        }
        var output = new StringBuilder();
        var finalLine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
            if (e.Data is not null && FinalPattern().IsMatch(e.Data))
            {
                finalLine.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            if (whileServing is null)
            {
                await process.WaitForExitAsync(timeout.Token);
                var text = Text(output);
                Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:\n{text}");
                return Final(text);
            }
            await Task.WhenAny(finalLine.Task, process.WaitForExitAsync(timeout.Token)).WaitAsync(timeout.Token);
            Assert.True(finalLine.Task.IsCompleted, $"the demo ended without a FINAL line (exit code {(process.HasExited ? process.ExitCode : -1)}):\n{Text(output)}");
            var final = Final(Text(output));
            await whileServing(final, port).WaitAsync(timeout.Token);
            Assert.False(process.HasExited, "the launcher stopped serving before the checks:\n" + Text(output));
            return final;
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"demo --scenario {scenario} did not finish within {Limit.TotalSeconds} s:\n{Text(output)}");
            throw;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static FinalLine Final(string text)
    {
        var match = FinalPattern().Match(text);
        Assert.True(match.Success, "no FINAL line:\n" + text);
        return new FinalLine(match.Groups["id"].Value, match.Groups["decision"].Value, match.Groups["status"].Value, text);
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    /// <summary>
    /// A first port such that the launcher's ports are all free now: gRPC +0, +1, +2, their JSON/metrics listeners +20,
    /// +21, +22, the demo's trading core +9, supplier +10 and broker +11, and the dashboard +79.
    /// </summary>
    private static int FreePortBlock()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var first = Random.Shared.Next(20_000, 40_000);
            if (new[] { 0, 1, 2, 9, 10, 11, 20, 21, 22, 79 }.All(offset => IsFree(first + offset)))
            {
                return first;
            }
        }
        throw new InvalidOperationException("no free block of ports");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^FINAL experiment=(?<id>\S+) decision=(?<decision>\S+) status=(?<status>\S+) rollout=(?<rollout>\S+)", RegexOptions.Multiline)]
    private static partial Regex FinalPattern();

    public sealed record FinalLine(string Id, string Decision, string Status, string Output);
}
