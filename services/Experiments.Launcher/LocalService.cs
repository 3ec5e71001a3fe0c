using System.Diagnostics;

namespace Experiments.Launcher;

/// <summary>One service run as a child process from the launcher's own output folder, with extra configuration as <c>--Key=Value</c> arguments.</summary>
internal sealed class LocalService(string name, string assembly, int port, IReadOnlyList<string> settings) : IDisposable
{
    private Process? _process;

    public string Name { get; } = name;

    public int Port { get; } = port;

    public string Address { get; } = $"http://127.0.0.1:{port}";

    public Task Exited { get; private set; } = Task.CompletedTask;

    public void Start(string dataFolder)
    {
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
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + assembly);

        Exited = _process.WaitForExitAsync();
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
