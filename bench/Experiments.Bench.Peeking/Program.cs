using System.Diagnostics;
using System.Globalization;
using Experiments.Bench.Peeking;
using Experiments.Contracts.V1;

// Peeking simulation through the real services (issue #12): see bench/README.md, "Peeking through the services".
PeekingOptions options;
try
{
    options = PeekingOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message + "\n" + PeekingOptions.Usage);
    return 2;
}

var clock = Stopwatch.StartNew();
using var limit = new CancellationTokenSource(options.MaxDuration);
using var onCancel = PosixSignalHandler.CancelOnInterrupt(limit);
var dataFolder = Path.Combine(Path.GetTempPath(), "peeking-bench-" + Guid.NewGuid().ToString("N")[..8]);
Console.WriteLine($"Peeking simulation: {options.Runs} runs x {options.Scenarios.Count} scenarios, {options.Users} users in {options.Looks} increments, "
    + $"base seed {options.Seed}, {options.Parallel} runs at a time, limit {options.MaxDuration.TotalMinutes.ToString(CultureInfo.InvariantCulture)} min");
Console.WriteLine($"Traffic: control latency log-normal (median {TrafficModel.ControlMedianMs} ms, sigma {TrafficModel.ControlSigma}), "
    + $"errors {TrafficModel.ControlErrorRate:0%}, {TrafficModel.MinRequests}-{TrafficModel.MaxRequests} requests per user; "
    + "KPIs: p50 primary, p99 guardrail (tolerance 10%), error rate guardrail (tolerance 50%), alpha 0.05, Holm");
var loadAtStart = LoadAverage();
Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, load average at start: {loadAtStart}; data in {dataFolder}");

var records = new List<RunRecord>();
var exitCode = 0;
try
{
    await using var services = await LocalServices.StartAsync(dataFolder, options.FirstPort, limit.Token);
    Console.WriteLine($"Services listening: assignment {services.AssignmentAddress}, ingestion {services.IngestionAddress}, statistics {services.StatisticsAddress} "
        + $"({clock.Elapsed.TotalSeconds:F0} s)");
    using var clients = new ServiceClients(services);

    // Round-robin over the scenarios, so that a time limit leaves every scenario with about as many runs.
    var work = new Queue<(Scenario Scenario, int Run, int Seed)>(
        from run in Enumerable.Range(1, options.Runs)
        from scenario in options.Scenarios.Select((s, i) => (s, i))
        select (scenario.s, run, Seed(options.Seed, scenario.i, run)));
    var running = new List<Task<RunRecord>>();
    while ((work.Count > 0 || running.Count > 0) && !limit.IsCancellationRequested)
    {
        while (running.Count < options.Parallel && work.Count > 0)
        {
            var (scenario, run, seed) = work.Dequeue();
            running.Add(Task.Run(() => new PeekingRun(clients, options, scenario, run, seed).RunAsync(limit.Token)));
        }
        var done = await Task.WhenAny(running);
        running.Remove(done);
        RunRecord record;
        try
        {
            record = await done;
        }
        catch (OperationCanceledException)
        {
            continue;
        }
        records.Add(record);
        Console.WriteLine(RunLine(record));
    }
    if (limit.IsCancellationRequested)
    {
        Console.WriteLine($"Stopped at the time limit ({options.MaxDuration.TotalMinutes.ToString(CultureInfo.InvariantCulture)} min) with {work.Count + running.Count} runs not done.");
        await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        exitCode = 3;
    }
    Console.WriteLine("Stopping the services …");
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
{
    Console.Error.WriteLine("The services could not be run: " + e.Message);
    return 1;
}

Console.WriteLine();
Console.WriteLine($"Load average at start: {loadAtStart}; at end: {LoadAverage()}; {clock.Elapsed.TotalMinutes:F1} min in all; 95% Clopper–Pearson intervals in brackets.");
Console.WriteLine();
Console.WriteLine(ScenarioSummary.Header);
var summaries = options.Scenarios.Select(s => new ScenarioSummary(s, records.Where(r => r.Scenario == s).ToList())).ToList();
foreach (var summary in summaries)
{
    Console.WriteLine(summary.Row());
}
Console.WriteLine();
foreach (var scenario in options.Scenarios)
{
    Console.WriteLine($"- {scenario.Name}: expected {scenario.Expectation}");
}
var offending = summaries.SelectMany(s => s.Offending()).ToList();
Console.WriteLine(offending.Count == 0 ? "No run contradicts the decision rule." : $"{offending.Count} look(s) contradict the decision rule:");
foreach (var (run, look, what) in offending)
{
    Console.WriteLine($"  {run.ExperimentId} (seed {run.Seed}), look {look.Look} ({look.Units} units): {what}");
    Console.WriteLine($"    guardrails: {look.Guardrails}");
    foreach (var reason in look.Reasons)
    {
        Console.WriteLine($"    reason: {reason}");
    }
}
foreach (var failed in records.Where(r => r.Failure is not null))
{
    Console.WriteLine($"  failed: {failed.ExperimentId} (seed {failed.Seed}) after {failed.Looks.Count} looks: {failed.Failure}");
}
// What the services logged about lost or refused events (launcher.log holds their whole output).
var logPath = Path.Combine(dataFolder, "launcher.log");
var problems = File.Exists(logPath)
    ? File.ReadLines(logPath).Where(l => l.Contains("exposures", StringComparison.OrdinalIgnoreCase) && (l.Contains("Dropped", StringComparison.Ordinal) || l.Contains("rejected", StringComparison.Ordinal))).ToList()
    : [];
Console.WriteLine(problems.Count == 0 ? "The services logged no dropped or rejected exposures." : $"The services logged {problems.Count} line(s) about dropped or rejected exposures, e.g.:");
foreach (var line in problems.Take(5))
{
    Console.WriteLine("  " + line);
}
if (records.Any(r => r.Failure is not null) || problems.Count > 0)
{
    exitCode = exitCode == 0 ? 4 : exitCode;
}
if (exitCode != 0)
{
    Console.WriteLine($"Data and the services' output kept in {dataFolder} (launcher.log).");
}
else
{
    try
    {
        Directory.Delete(dataFolder, recursive: true);
    }
    catch (IOException)
    {
        // The data folder is a temporary one; a leftover does no harm.
    }
}
return exitCode;

static int Seed(ulong baseSeed, int scenario, int run) =>
    (int)((baseSeed * 1_000_003UL + (ulong)scenario * 10_007UL + (ulong)run) % int.MaxValue);

static string RunLine(RunRecord record)
{
    var decisions = string.Concat(record.Looks.Select(l => l.Decision switch
    {
        VerdictDecision.Ship => 'S',
        VerdictDecision.RollBack => 'R',
        VerdictDecision.KeepRunning => '.',
        VerdictDecision.Inconclusive => 'I',
        VerdictDecision.Invalid => 'X',
        _ => '?',
    }));
    var end = record.Failure is null ? $"last {record.LastDecision}" : "FAILED: " + record.Failure;
    var last = record.Looks.LastOrDefault();
    var srm = last is null ? "" : $"; SRM p {last.SampleRatioP.ToString("0.000", CultureInfo.InvariantCulture)}";
    return $"{record.Scenario.Name,-12} run {record.Run,2} seed {record.Seed,10}: {decisions,-10} {end}{srm}; last look guardrails: {last?.Guardrails}";
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
