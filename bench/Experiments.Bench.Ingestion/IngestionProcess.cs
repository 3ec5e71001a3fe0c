using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Experiments.Bench.Ingestion;

/// <summary>The Ingestion service as a child process (durable commits on, forwarding off), on a loopback port.</summary>
internal sealed partial class IngestionProcess : IAsyncDisposable
{
    private readonly Process _process;

    private IngestionProcess(Process process, string address)
    {
        _process = process;
        Address = address;
    }

    public string Address { get; }

    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Resident set size of the service, from /proc (0 where there is no /proc).</summary>
    public long ResidentBytes
    {
        get
        {
            var status = $"/proc/{_process.Id}/status";
            if (!File.Exists(status))
            {
                return 0;
            }
            var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
    }

    /// <summary>
    /// Starts the service. <paramref name="settings"/> are extra configuration arguments (<c>--Key=Value</c>);
    /// <paramref name="serverGc"/> picks the GC (null: the one the service's project configures).
    /// </summary>
    public static async Task<IngestionProcess> StartAsync(string dataPath, IEnumerable<string>? settings = null, bool? serverGc = false)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Experiments.Ingestion.dll"),
            "--urls", "http://127.0.0.1:0",
            "--Ingestion:Log:DataPath=" + dataPath,
            "--Ingestion:Forwarding:Mode=None",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
        }.Concat(settings ?? []))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        if (serverGc is { } server)
        {
            start.Environment["DOTNET_gcServer"] = server ? "1" : "0";
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the ingestion service.");
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(match.Groups[1].Value);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Console.Error.WriteLine("[ingestion] " + line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The ingestion service exited before listening."));
        return new IngestionProcess(process, await listening.Task.WaitAsync(TimeSpan.FromSeconds(60)));
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
