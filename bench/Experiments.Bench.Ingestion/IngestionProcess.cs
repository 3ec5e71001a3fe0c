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

    public static async Task<IngestionProcess> StartAsync(string dataPath)
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
        })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_gcServer"] = "0";
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
