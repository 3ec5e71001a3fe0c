using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Experiments.Demo.Tests;

/// <summary>
/// End to end with real processes and sockets: <c>Experiments.Launcher demo</c> starts assignment, ingestion and
/// statistics, the trading backend and the traffic simulator with a short horizon, and prints a final line
/// <c>FINAL experiment=… decision=… status=… rollout=…</c> that these tests check.
/// </summary>
[Collection(nameof(LauncherDemoTests))]
[CollectionDefinition(nameof(LauncherDemoTests), DisableParallelization = true)]
public sealed partial class LauncherDemoTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Planted_p99_regression_is_rolled_back_automatically()
    {
        var final = await RunDemoAsync("p99-regression", "30s");
        Assert.Equal("ROLL_BACK", final.Decision);
        // Auto-rollback stopped the experiment: every unit is served the control.
        Assert.Equal("STOPPED", final.Status);
        Assert.Contains("serving 'control' to everyone (automatic rollback", final.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Planted_improvement_ships()
    {
        var final = await RunDemoAsync("improvement", "30s");
        Assert.Equal("SHIP", final.Decision);
        Assert.Equal("RUNNING", final.Status);
    }

    [Fact]
    public async Task A_A_run_neither_ships_nor_rolls_back()
    {
        // alpha 0.01: an A/A run is a false positive by construction with probability ≤ alpha per KPI (always-valid
        // tests); the stricter level keeps this test's false-failure rate around 1–2%.
        var final = await RunDemoAsync("aa", "30s", "--alpha", "0.01");
        Assert.NotEqual("SHIP", final.Decision);
        Assert.NotEqual("ROLL_BACK", final.Decision);
        Assert.Equal("RUNNING", final.Status);
    }

    private static async Task<FinalLine> RunDemoAsync(string scenario, string duration, params string[] extra)
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
        foreach (var arg in (string[])["demo", "--scenario", scenario, "--duration", duration, "--users", "1500", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", data, "--exit", .. extra])
        {
            start.ArgumentList.Add(arg);
        }
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"demo --scenario {scenario} did not finish within {Limit.TotalSeconds} s:\n{Text(output)}");
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        var text = Text(output);
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:\n{text}");
        var match = FinalPattern().Match(text);
        Assert.True(match.Success, "no FINAL line:\n" + text);
        return new FinalLine(match.Groups["decision"].Value, match.Groups["status"].Value, text);
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    /// <summary>A first port such that the launcher's ports (+0, +1, +2, +9, +79) are all free now.</summary>
    private static int FreePortBlock()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var first = Random.Shared.Next(20_000, 40_000);
            if (new[] { 0, 1, 2, 9, 79 }.All(offset => IsFree(first + offset)))
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

    private sealed record FinalLine(string Decision, string Status, string Output);
}
