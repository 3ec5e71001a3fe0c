using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Experiments.Launcher;

/// <summary>
/// One service run as a child process from the launcher's own output folder, with extra configuration as
/// <c>--Key=Value</c> arguments. Every child also gets this launcher run's service-to-service key (scopes
/// <c>internal</c> and <c>read</c>), which ingestion forwards to statistics with: no SDK key can write into statistics,
/// and the key dies with the run.
/// </summary>
internal sealed class LocalService(string name, string assembly, int port, IReadOnlyList<string> settings) : IDisposable
{
    // Past the indexes appsettings.json uses, so the configured keys stay and this one is added.
    private const int InternalKeyIndex = 99;

    private static readonly string InternalKey = "internal-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();

    private Process? _process;

    public string Name { get; } = name;

    public int Port { get; } = port;

    public string Address { get; } = $"http://127.0.0.1:{port}";

    public Task Exited { get; private set; } = Task.CompletedTask;

    /// <summary>The exit code of the last process, once it has exited.</summary>
    public int ExitCode => _process is { HasExited: true } process ? process.ExitCode : 0;

    public void Start(string dataFolder)
    {
        _process?.Dispose();
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(Address);
        start.ArgumentList.Add("--Data:Folder=" + Path.Combine(dataFolder, Name));
        foreach (var setting in settings)
        {
            start.ArgumentList.Add("--" + setting);
        }
        // Last, so they win over anything above: a later command-line value replaces an earlier one.
        foreach (var setting in InternalCredentials())
        {
            start.ArgumentList.Add("--" + setting);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + assembly);

        Exited = _process.WaitForExitAsync();
    }

    private static IEnumerable<string> InternalCredentials()
    {
        var key = "Auth:ApiKeys:" + InternalKeyIndex.ToString(CultureInfo.InvariantCulture);
        yield return key + ":Key=" + InternalKey;
        yield return key + ":Name=launcher-internal";
        yield return key + ":Scopes:0=internal";
        yield return key + ":Scopes:1=read";
        yield return "Ingestion:Forwarding:ApiKey=" + InternalKey;
    }

    /// <summary>Waits until the service accepts connections (or <paramref name="limit"/> passes, or it exits).</summary>
    public async Task WaitUntilListeningAsync(TimeSpan limit)
    {
        var uri = new Uri(Address);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit && !Exited.IsCompleted)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(uri.Host, uri.Port).ConfigureAwait(false);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Asks the service to stop (SIGTERM: it drains, answers NOT_SERVING, makes its state durable) and kills it if it has
    /// not exited within <paramref name="grace"/>. False when it was not running.
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        if (_process is not { HasExited: false } process)
        {
            return false;
        }
        if (OperatingSystem.IsWindows() || Terminate(process.Id) != 0)
        {
            process.Kill(entireProcessTree: true);
        }
        try
        {
            await process.WaitForExitAsync().WaitAsync(grace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine($"{Name} did not stop within {grace.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s of SIGTERM; killing it.");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
        return true;
    }

    private static int Terminate(int processId) => Posix.Kill(processId, Posix.SigTerm);

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process?.Dispose();
    }
}
