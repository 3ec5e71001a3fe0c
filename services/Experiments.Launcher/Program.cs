using System.Globalization;
using System.Runtime.InteropServices;
using Experiments.Launcher;

// Usage: Experiments.Launcher [--data FOLDER] [--port FIRST_PORT]
var dataFolder = Path.GetFullPath(Option("--data") ?? "data");
var firstPort = int.Parse(Option("--port") ?? "5101", CultureInfo.InvariantCulture);
Directory.CreateDirectory(dataFolder);

using var assignment = new LocalService("assignment", "Experiments.Assignment", firstPort);
using var ingestion = new LocalService("ingestion", "Experiments.Ingestion", firstPort + 1);
using var statistics = new LocalService("statistics", "Experiments.Statistics", firstPort + 2);
LocalService[] services = [assignment, ingestion, statistics];

using var stopping = new CancellationTokenSource();
// Ctrl+C and SIGTERM stop the services before the launcher exits, so no child outlives it.
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

foreach (var service in services)
{
    service.Start(dataFolder);
}
Console.WriteLine($"Experiments is running in local mode (data in {dataFolder}):");
foreach (var service in services)
{
    Console.WriteLine($"  {service.Name,-11} {service.Address}");
}
Console.WriteLine("Press Ctrl+C to stop.");

var firstExit = Task.WhenAny(services.Select(s => s.Exited));
await Task.WhenAny(firstExit, Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default));
if (!stopping.IsCancellationRequested)
{
    var exited = services.First(s => s.Exited.IsCompleted);
    Console.Error.WriteLine($"{exited.Name} stopped unexpectedly; stopping the others.");
    return 1;
}
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopping.Cancel();
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
