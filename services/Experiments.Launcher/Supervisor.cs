using System.Diagnostics;
using System.Globalization;

namespace Experiments.Launcher;

/// <summary>
/// Runs the local services as child processes the way a process supervisor would: starts them in order, saying what it is
/// doing; restarts a child that dies, with back-off (1 s, 2 s, 4 s … 30 s), unless it stopped on a configuration error
/// (exit code 78: restarting cannot help) or keeps dying (5 restarts within 2 minutes); and stops them gracefully — SIGTERM,
/// then a kill after <see cref="StopGrace"/> — downstream last, so nothing is forwarded to a stopped service.
/// In production each service runs under its own supervisor or orchestrator (systemd, Kubernetes) instead.
/// </summary>
internal sealed class Supervisor(IReadOnlyList<LocalService> startOrder, string dataFolder)
{
    private const int ConfigurationError = 78;
    private const int MaxRestarts = 5;
    private static readonly TimeSpan RestartWindow = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly List<DateTimeOffset> _restarts = [];
    private readonly CancellationTokenSource _stopped = new();

    /// <summary>Starts every service in order; false when one exits before it listens.</summary>
    public async Task<bool> StartAsync()
    {
        foreach (var service in startOrder)
        {
            Console.WriteLine($"Starting {service.Name} on {service.Address} …");
            var clock = Stopwatch.StartNew();
            service.Start(dataFolder);
            await service.WaitUntilListeningAsync(ReadyLimit).ConfigureAwait(false);
            if (service.Exited.IsCompleted)
            {
                Console.Error.WriteLine($"{service.Name} exited while starting (exit code {service.ExitCode}); stopping the others.");
                return false;
            }
            Console.WriteLine($"  {service.Name} is listening ({clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)");
        }
        return true;
    }

    /// <summary>
    /// Watches the children until <paramref name="stopping"/> is cancelled (then 0) or a child cannot be kept running
    /// (then its exit code, or 1).
    /// </summary>
    public async Task<int> WatchAsync(CancellationToken stopping)
    {
        // Once StopAsync has begun, every exit is one it asked for, whatever ended the run (even an exception).
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stopping, _stopped.Token);
        stopping = either.Token;
        var cancelled = Task.Delay(Timeout.Infinite, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
        while (true)
        {
            await Task.WhenAny(startOrder.Select(s => s.Exited).Append(cancelled)).ConfigureAwait(false);
            if (stopping.IsCancellationRequested)
            {
                return 0;
            }
            var exited = startOrder.First(s => s.Exited.IsCompleted);
            var code = exited.ExitCode;
            if (code == ConfigurationError)
            {
                Console.Error.WriteLine($"{exited.Name} stopped on a configuration error (exit code 78, see its line above); stopping the others.");
                return code;
            }
            var now = DateTimeOffset.UtcNow;
            _restarts.RemoveAll(t => now - t > RestartWindow);
            if (_restarts.Count >= MaxRestarts)
            {
                Console.Error.WriteLine($"{exited.Name} exited again (exit code {code}) after {MaxRestarts} restarts within {RestartWindow.TotalMinutes} minutes; stopping the others.");
                return code == 0 ? 1 : code;
            }
            var delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, _restarts.Count)));
            _restarts.Add(now);
            Console.Error.WriteLine($"{exited.Name} exited unexpectedly (exit code {code}); restarting it in {delay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (restart {_restarts.Count} of at most {MaxRestarts} within {RestartWindow.TotalMinutes} minutes).");
            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }
            exited.Start(dataFolder);
            await exited.WaitUntilListeningAsync(ReadyLimit).ConfigureAwait(false);
            if (!exited.Exited.IsCompleted)
            {
                Console.Error.WriteLine($"{exited.Name} is back on {exited.Address}.");
            }
        }
    }

    /// <summary>Stops every service gracefully, the first started last (so a downstream service outlives its callers).</summary>
    public async Task StopAsync()
    {
        await _stopped.CancelAsync().ConfigureAwait(false);
        foreach (var service in startOrder.Reverse())
        {
            var clock = Stopwatch.StartNew();
            if (await service.StopAsync(StopGrace).ConfigureAwait(false))
            {
                Console.WriteLine($"Stopped {service.Name} ({clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s).");
            }
        }
    }
}
