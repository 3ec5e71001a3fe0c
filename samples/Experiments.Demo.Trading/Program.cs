using Experiments.Demo.Trading;

// Standalone: dotnet run --project samples/Experiments.Demo.Trading [-- --scenario p99-regression --urls http://127.0.0.1:5110]
// Traffic: add --simulate [--duration 90s] to drive simulated users against it.
var options = new TradingAppOptions();
if (Option("--urls") is { } urls)
{
    options.Urls = urls;
}
if (Option("--assignment") is { } assignment)
{
    options.AssignmentAddress = assignment;
}
if (Option("--ingestion") is { } ingestion)
{
    options.IngestionAddress = ingestion;
}
if (Option("--scenario") is { } text)
{
    if (!ScenarioProfiles.TryParse(text, out var scenario))
    {
        Console.Error.WriteLine("Unknown scenario: " + text + " (p99-regression, improvement, aa, errors)");
        return 2;
    }
    options.Scenario = scenario;
}
var simulate = args.Contains("--simulate");
var duration = TrafficOptions.ParseDuration(Option("--duration") ?? "90s");
var days = new TrafficOptions().Days;
// Simulated traffic is stamped with its simulated days (see SimulatedDays); requests from elsewhere keep real time.
var clock = simulate ? new SimulatedDays(days, duration) : null;
options.Clock = clock;
await using var app = TradingApp.Build(options);
await app.StartAsync();
Console.WriteLine($"Trading demo listening on {options.Urls} (scenario {options.Scenario}).");
if (clock is not null)
{
    var traffic = new TrafficSimulator(new TrafficOptions { BaseAddress = options.Urls.Split(';')[0], Duration = duration, Days = days });
    clock.Start();
    var summary = await traffic.RunAsync(progress => Console.WriteLine(progress.ToString()), CancellationToken.None);
    Console.WriteLine($"Done: {summary.Requests} requests, {summary.Errors} failed.");
    await app.StopAsync();
    return 0;
}
await app.WaitForShutdownAsync();
return 0;

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

