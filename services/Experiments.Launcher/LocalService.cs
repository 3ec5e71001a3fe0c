using System.Diagnostics;

namespace Experiments.Launcher;

/// <summary>One service run as a child process from the launcher's own output folder.</summary>
internal sealed class LocalService(string name, string assembly, int port) : IDisposable
{
    private Process? _process;

    public string Name { get; } = name;

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
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + assembly);
        Exited = _process.WaitForExitAsync();
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
