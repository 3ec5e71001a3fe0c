using System.Globalization;
using Experiments.Demo.Trading;
using Experiments.Demo.Trading.Core;
using Experiments.Demo.Trading.Scenarios;
using Experiments.Demo.Trading.Simulation;

// Standalone: dotnet run --project samples/Experiments.Demo.Trading [-- --scenario p99-regression --port 5110]
// The core listens on --port (gRPC), the market-data supplier on +1 (gRPC), the broker on +2 (HTTP).
// Traffic: add --simulate [--duration 90s] to drive simulated users at the core.
// The core records its inbound calls (--capture-rate 1, 0: none) and honours replays signed with --replay-key (or EXP_REPLAY_KEY).
var options = new TradingCoreOptions();
if (Option("--port") is { } portText)
{
    var port = int.Parse(portText, CultureInfo.InvariantCulture);
    options.Urls = Address(port);
    options.SupplierAddress = Address(port + 1);
    options.BrokerAddress = Address(port + 2);
}
if (Option("--assignment") is { } assignment)
{
    options.AssignmentAddress = assignment;
}
if (Option("--ingestion") is { } ingestion)
{
    options.IngestionAddress = ingestion;
}
if (Option("--capture-rate") is { } rate)
{
    options.CaptureSampleRate = double.Parse(rate, CultureInfo.InvariantCulture);
}
// Replays (exp replay) force variants only with tokens signed by this key.
options.ReplayKey = Option("--replay-key") ?? Environment.GetEnvironmentVariable("EXP_REPLAY_KEY");
if (Option("--scenario") is { } text)
{
    if (!ScenarioProfiles.TryParse(text, out var scenario))
    {
        Console.Error.WriteLine("Unknown scenario: " + text + " (" + ScenarioProfiles.Names + ")");
        return 2;
    }
    options.Scenario = scenario;
}
var simulate = args.Contains("--simulate");
var duration = TrafficOptions.ParseDuration(Option("--duration") ?? "90s");
var days = new TrafficOptions().Days;
// Simulated traffic is stamped with its simulated days (see SimulatedDays); calls from elsewhere keep real time.
var clock = simulate ? new SimulatedDays(days, duration) : null;
options.Clock = clock;
await using var stack = new DemoStack(options);
await stack.StartAsync(CancellationToken.None);
Console.WriteLine($"Trading core on {options.Urls} (gRPC), market-data supplier on {options.SupplierAddress} (gRPC), broker on {options.BrokerAddress} (HTTP); scenario {ScenarioProfiles.NameOf(options.Scenario)}.");
if (clock is not null)
{
    var traffic = new TrafficSimulator(new TrafficOptions { BaseAddress = options.Urls, Duration = duration, Days = days });
    clock.Start();
    var summary = await traffic.RunAsync(progress => Console.WriteLine(progress.ToString()), CancellationToken.None);
    Console.WriteLine($"Done: {summary.Requests} calls, {summary.Errors} failed.");
    return 0;
}
await stack.WaitForShutdownAsync();
return 0;

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static string Address(int port) => "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
