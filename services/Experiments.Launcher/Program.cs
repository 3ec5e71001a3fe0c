using System.Globalization;
using System.Runtime.InteropServices;
using Experiments.Launcher;

// Usage: Experiments.Launcher [--data FOLDER] [--port FIRST_PORT] [--api-key KEY]
//        Experiments.Launcher demo [--scenario p99-regression|improvement|aa|errors|slow-broker|stale-quotes] [--duration 90s]
//                                  [--users 2000] [--days 7] [--alpha 0.05] [--no-auto-rollback] [--exit] [--data FOLDER] [--port FIRST_PORT]
//                                  [--capture-rate 1] [--replay-key KEY (env EXP_REPLAY_KEY)] [--live-rate 5]
// Ports: assignment FIRST_PORT, ingestion +1, statistics +2, demo trading core +9, its market-data supplier +10 and broker +11,
// dashboard +79 (5101, 5102, 5103, 5110, 5111, 5112, 5180);
// HTTP/1.1 for JSON and /metrics beside each service at +20 (5121, 5122, 5123).
var demo = args.Length > 0 && string.Equals(args[0], "demo", StringComparison.OrdinalIgnoreCase);
var dataFolder = Path.GetFullPath(Option("--data") ?? "data");
var firstPort = int.Parse(Option("--port") ?? "5101", CultureInfo.InvariantCulture);
var apiKey = Option("--api-key") ?? "dev-local-key";
Directory.CreateDirectory(dataFolder);

DemoSettings? demoSettings = null;
if (demo)
{
    try
    {
        demoSettings = DemoSettings.Parse(args, firstPort, apiKey);
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
}

// Every service is told where the others are, so that --port N gives a consistent set:
// assignment → ingestion (exposures), ingestion → statistics (events), statistics → assignment (definitions,
// auto-rollback). The dashboard keeps its 5180 for the default ports and moves along with --port otherwise.
var assignmentAddress = Address(firstPort);
var ingestionAddress = Address(firstPort + 1);
var statisticsAddress = Address(firstPort + 2);
var dashboardAddress = Address(firstPort + 79);
// In demo mode the console shows the verdict: the services log warnings and errors only.
string[] quiet = demo ? ["Logging:LogLevel:Default=Warning", "Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning"] : [];
// Declared in reverse so that they are disposed (killed) upstream first: assignment, ingestion, then statistics.
// The local development key (the first of Auth:ApiKeys in each service's appsettings.json) also reads recorded traffic:
// `exp traffic` and the dashboard's traffic page (which reads it from ingestion with the same key) need the capture scope.
const string localKeyCaptures = "Auth:ApiKeys:0:Scopes:3=capture";
using var statistics = new LocalService("statistics", "Experiments.Statistics", firstPort + 2,
    [Rest(firstPort + 2), $"Statistics:AssignmentAddress={assignmentAddress}", $"Statistics:AssignmentApiKey={apiKey}", $"Dashboard:Urls={dashboardAddress}",
        $"Dashboard:IngestionAddress={ingestionAddress}", $"Dashboard:IngestionApiKey={apiKey}", localKeyCaptures, .. quiet]);
using var ingestion = new LocalService("ingestion", "Experiments.Ingestion", firstPort + 1,
    [Rest(firstPort + 1), $"Ingestion:Forwarding:StatisticsAddress={statisticsAddress}", localKeyCaptures, .. quiet]);
using var assignment = new LocalService("assignment", "Experiments.Assignment", firstPort,
    [Rest(firstPort), $"Exposures:IngestionAddress={ingestionAddress}", $"Exposures:ApiKey={apiKey}", .. quiet]);
LocalService[] services = [assignment, ingestion, statistics];

using var stopping = new CancellationTokenSource();
// Ctrl+C and SIGTERM stop the services before the launcher exits, so no child outlives it.
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

// Each starts after what it connects to at start-up: statistics follows assignment's definitions, ingestion forwards
// to statistics (assignment reaches ingestion only when it has exposures to send).
var supervisor = new Supervisor([assignment, statistics, ingestion], dataFolder);
// The demo's trading apps serve on after the verdict (grpcurl, curl, replays) and stop before the services.
var demoRunner = demoSettings is null ? null : new DemoRunner(demoSettings, assignmentAddress, ingestionAddress, statisticsAddress, dashboardAddress);
try
{
    if (!await supervisor.StartAsync())
    {
        return 1;
    }
    Console.WriteLine($"Experiments is running in local mode (data in {dataFolder}):");
    foreach (var service in services)
    {
        Console.WriteLine($"  {service.Name,-11} {service.Address} (gRPC)  {RestAddress(service.Port)} (JSON, /metrics)");
    }
    Console.WriteLine($"  {"dashboard",-11} {dashboardAddress}");

    // A child that dies is restarted (a configuration error, or one that keeps dying, ends the run instead).
    using var watching = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
    var watch = supervisor.WatchAsync(watching.Token);
    if (demoRunner is not null)
    {
        var run = demoRunner.RunAsync(stopping.Token);
        if (await Task.WhenAny(run, watch) == watch)
        {
            return await watch;
        }
        var demoExit = await run;
        if (demoExit != 0 || demoSettings!.ExitWhenDone || stopping.IsCancellationRequested)
        {
            watching.Cancel();
            await watch;
            return demoExit;
        }
    }
    Console.WriteLine("Press Ctrl+C to stop.");
    return await watch;
}
finally
{
    if (demoRunner is not null)
    {
        // First, so that the core's SDK sends its last telemetry and captures while ingestion still listens.
        await demoRunner.DisposeAsync();
    }
    Console.WriteLine("Stopping the services …");
    await supervisor.StopAsync();
}

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

static string Address(int port) => "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);

static string RestAddress(int port) => Address(port + 20);

static string Rest(int port) => "Rest:Urls=" + RestAddress(port);
