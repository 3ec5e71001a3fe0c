using System.Diagnostics;
using System.Globalization;
using System.Text;
using Experiments.Clients;
using Experiments.Contracts.V1;
using Experiments.Demo.Trading;
using Grpc.Core;
using Grpc.Net.Client;
using Google.Protobuf.WellKnownTypes;

namespace Experiments.Launcher;

/// <summary>
/// <c>demo</c>: the whole loop against the services the launcher started. Starts the trading backend in-process,
/// defines and starts the <c>order-routing</c> experiment over gRPC, drives simulated users at it, prints the
/// evolving verdict, then the final one and where to look at it.
/// </summary>
internal sealed class DemoRunner(DemoSettings settings, string assignmentAddress, string ingestionAddress, string statisticsAddress, string dashboardAddress)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var assignmentChannel = GrpcChannel.ForAddress(assignmentAddress);
        using var statisticsChannel = GrpcChannel.ForAddress(statisticsAddress);
        var admin = new ExperimentAdmin.ExperimentAdminClient(assignmentChannel.WithApiKey(settings.ApiKey));
        var statistics = new Contracts.V1.Statistics.StatisticsClient(statisticsChannel.WithApiKey(settings.ApiKey));
        var clock = Stopwatch.StartNew();

        Console.WriteLine();
        Console.WriteLine($"Demo: scenario {Name(settings.Scenario)}, {settings.Users} users over {settings.Days} simulated days in {settings.Duration.TotalSeconds:F0} s of real time.");
        if (!await WaitForServicesAsync(admin, statistics, cancellationToken).ConfigureAwait(false))
        {
            Console.Error.WriteLine("The services did not become ready within 60 s.");
            return 1;
        }

        await StopPreviousRunsAsync(admin, cancellationToken).ConfigureAwait(false);

        var days = new SimulatedDays(settings.Days, settings.Duration);
        await using var backend = TradingApp.Build(new TradingAppOptions
        {
            Clock = days,
            Urls = settings.BackendAddress,
            AssignmentAddress = assignmentAddress,
            IngestionAddress = ingestionAddress,
            ApiKey = settings.ApiKey,
            Scenario = settings.Scenario,
            Quiet = true,
        });
        await backend.StartAsync(cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"Trading backend (quotes, orders, portfolio) on {settings.BackendAddress}; order routing: control = current router, new-router = new router.");

        var id = "order-routing-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", Invariant);
        var created = await admin.CreateExperimentAsync(new CreateExperimentRequest { ExperimentId = id, Experiment = Definition() },
            Deadline(cancellationToken)).ResponseAsync.ConfigureAwait(false);
        var started = await admin.StartExperimentAsync(new StartExperimentRequest { Id = id, ExpectedRevision = created.Revision },
            Deadline(cancellationToken)).ResponseAsync.ConfigureAwait(false);
        Console.WriteLine($"Experiment {id} created and started (revision {started.Revision}, 50/50, auto-rollback {(settings.AutoRollback ? "on" : "off")}).");
        // Give the backend's SDK a moment to receive the definition over WatchDefinitions before the first users arrive.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);

        using var trafficStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var traffic = new TrafficSimulator(new TrafficOptions
        {
            BaseAddress = settings.BackendAddress,
            Users = settings.Users,
            Days = settings.Days,
            Duration = settings.Duration,
        });
        days.Start();
        var trafficRun = traffic.RunAsync(day => Console.WriteLine(day.ToString()), trafficStop.Token);

        Verdict? last = null;
        var rolledBack = false;
        while (!trafficRun.IsCompleted)
        {
            await Task.WhenAny(trafficRun, Task.Delay(settings.PollInterval, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            last = await TryGetVerdictAsync(statistics, id, cancellationToken).ConfigureAwait(false) ?? last;
            if (last is not null)
            {
                Print(last, clock.Elapsed, full: false);
                if (last.AutoRollbackTriggered || last.ExperimentStatus == ExperimentStatus.Stopped || last.Decision == VerdictDecision.RollBack)
                {
                    var now = await admin.GetExperimentAsync(new GetExperimentRequest { Id = id }, Deadline(cancellationToken)).ResponseAsync.ConfigureAwait(false);
                    if (now.Status == ExperimentStatus.Running && now.RolloutPercent > 0)
                    {
                        continue; // ROLL_BACK without auto-rollback (or not applied yet): keep the traffic going.
                    }
                    rolledBack = true;
                    Console.WriteLine(now.Status == ExperimentStatus.Stopped
                        ? $"Experiment stopped ({now.StopReason}); every user is served '{now.FinalVariantKey}' now; stopping the traffic."
                        : $"Experiment rolled back: ramped to 0%, every user is served '{Served(now)}' now; stopping the traffic.");
                    await trafficStop.CancelAsync().ConfigureAwait(false);
                    break;
                }
            }
            else
            {
                Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:F0}s] no verdict yet (waiting for the first events)");
            }
        }
        try
        {
            await trafficRun.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        if (!rolledBack)
        {
            // Let the last events flow: SDK batches (0.5 s), ingestion's log and forwarder, statistics' recomputation.
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
        }
        last = await TryGetVerdictAsync(statistics, id, cancellationToken).ConfigureAwait(false) ?? last;
        var experiment = await admin.GetExperimentAsync(new GetExperimentRequest { Id = id }, Deadline(cancellationToken)).ResponseAsync.ConfigureAwait(false);

        Console.WriteLine();
        Console.WriteLine("Final verdict");
        if (last is null)
        {
            Console.WriteLine("  none: no events reached the statistics service.");
            Console.WriteLine($"FINAL experiment={id} decision=NONE status={Name(experiment.Status)} rollout={experiment.RolloutPercent.ToString(Invariant)}");
            return 1;
        }
        Print(last, clock.Elapsed, full: true);
        if (experiment.Status == ExperimentStatus.Running && experiment.RolloutPercent == 0)
        {
            var ramp = await LatestRampAsync(admin, id, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"  experiment status: {Name(experiment.Status)}, rollout 0%, serving '{Served(experiment)}' to everyone"
                + (ramp is { Reason.Length: > 0 } ? $" ({ramp.Reason})" : ""));
        }
        else
        {
            Console.WriteLine($"  experiment status: {Name(experiment.Status)}, rollout {experiment.RolloutPercent.ToString(Invariant)}%"
                + (experiment.FinalVariantKey.Length > 0 ? $", serving '{experiment.FinalVariantKey}' to everyone" : "")
                + (experiment.StopReason.Length > 0 ? $" ({experiment.StopReason})" : ""));
        }
        Console.WriteLine();
        Console.WriteLine("Look at it:");
        var statisticsUrl = statisticsAddress == "http://127.0.0.1:5103" ? "" : " --statistics-url " + statisticsAddress;
        Console.WriteLine($"  dotnet run --project services/Experiments.Cli -- verdict {id}{statisticsUrl}");
        Console.WriteLine($"  {dashboardAddress}/experiments/{id}");
        Console.WriteLine($"FINAL experiment={id} decision={Name(last.Decision)} status={Name(experiment.Status)} rollout={experiment.RolloutPercent.ToString(Invariant)}");
        return 0;
    }

    private Experiment Definition()
    {
        const string orders = TradingApp.OrdersApi;
        var experiment = new Experiment
        {
            FlagKey = TradingApp.FlagKey,
            DisplayName = "New order router",
            Description = $"Hypothesis: the new router cuts order latency for the front end without hurting its tail, errors or users' return. Planted: {Name(settings.Scenario)}.",
            RandomizationUnit = RandomizationUnit.User,
            RolloutPercent = 100,
            Alpha = settings.Alpha,
            MinimumDetectableEffect = 0.05,
            Power = 0.8,
            MultipleTestingCorrection = MultipleTestingCorrection.Holm,
            AutoRollback = settings.AutoRollback,
            // Verdicts measure time in event time, and the demo's events carry their simulated days' times.
            Horizon = new Horizon { MaxDuration = Duration.FromTimeSpan(TimeSpan.FromDays(settings.Days)) },
            // The always-valid intervals are tightest at N* units (both arms): every simulated user, the demo's whole sample.
            SequentialNStar = settings.Users,
        };
        experiment.Variants.Add(new Variant { Key = "control", DisplayName = "Current router", Weight = 50, IsControl = true });
        experiment.Variants.Add(new Variant { Key = "new-router", DisplayName = "New router", Weight = 50 });
        experiment.Kpis.Add(new Kpi { Key = "orders-p50", DisplayName = "Orders p50 latency", Kind = KpiKind.LatencyP50, Role = KpiRole.Primary, ApiName = orders, Direction = DesiredDirection.Decrease });
        // A p99 on a loaded machine is noisy (scheduling delays reach both arms' tails): 20%, not 10%, lets a ~2,000-user
        // run show an unharmed or improved tail within it, while the planted regression (+200% or more) lies far beyond.
        experiment.Kpis.Add(new Kpi { Key = "orders-p99", DisplayName = "Orders p99 latency", Kind = KpiKind.LatencyP99, Role = KpiRole.Guardrail, ApiName = orders, Direction = DesiredDirection.Decrease, Tolerance = 0.20 });
        // SHIP needs the error rate shown within its tolerance; at 2% errors over ~2,000 users a 50% tolerance takes
        // about 1,700 users per arm to show with 95% power, "at most double" about 600, while three times the errors
        // still lie beyond it.
        experiment.Kpis.Add(new Kpi { Key = "orders-errors", DisplayName = "Orders error rate", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, ApiName = orders, Direction = DesiredDirection.Decrease, Tolerance = 1.0 });
        experiment.Kpis.Add(new Kpi { Key = "engagement", DisplayName = "Requests per user", Kind = KpiKind.Engagement, Role = KpiRole.Secondary, Direction = DesiredDirection.Increase });
        experiment.Kpis.Add(new Kpi { Key = "retention-day-1", DisplayName = "Day-1 retention", Kind = KpiKind.RetentionDayN, Role = KpiRole.Secondary, RetentionDay = 1, Direction = DesiredDirection.Increase });
        return experiment;
    }

    private static async Task<bool> WaitForServicesAsync(ExperimentAdmin.ExperimentAdminClient admin, Contracts.V1.Statistics.StatisticsClient statistics, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                await admin.ListExperimentsAsync(new ListExperimentsRequest { PageSize = 1 }, Deadline(cancellationToken, 2)).ResponseAsync.ConfigureAwait(false);
                await TryGetVerdictAsync(statistics, "readiness-probe", cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Unknown or StatusCode.Internal)
            {
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            }
        }
        return false;
    }

    /// <summary>An earlier demo run in the same data folder may still hold the flag: stop it, so this run owns it.</summary>
    private static async Task StopPreviousRunsAsync(ExperimentAdmin.ExperimentAdminClient admin, CancellationToken cancellationToken)
    {
        var request = new ListExperimentsRequest { PageSize = 1000 };
        request.Statuses.Add(ExperimentStatus.Running);
        var running = await admin.ListExperimentsAsync(request, Deadline(cancellationToken)).ResponseAsync.ConfigureAwait(false);
        foreach (var experiment in running.Experiments.Where(e => e.FlagKey == TradingApp.FlagKey))
        {
            await admin.StopExperimentAsync(new StopExperimentRequest { Id = experiment.Id, ExpectedRevision = experiment.Revision, Reason = "superseded by a new demo run" },
                Deadline(cancellationToken)).ResponseAsync.ConfigureAwait(false);
            Console.WriteLine($"Stopped {experiment.Id} from an earlier demo run.");
        }
    }

    /// <summary>The variant units outside the rollout get: the default variant, else the control.</summary>
    private static string Served(Experiment experiment) =>
        experiment.DefaultVariantKey.Length > 0 ? experiment.DefaultVariantKey : experiment.Variants.FirstOrDefault(v => v.IsControl)?.Key ?? "";

    /// <summary>The newest ramp in the experiment's audit trail (an automatic rollback records its reason there).</summary>
    private static async Task<AuditEntry?> LatestRampAsync(ExperimentAdmin.ExperimentAdminClient admin, string id, CancellationToken cancellationToken)
    {
        var page = await admin.ListAuditEntriesAsync(new ListAuditEntriesRequest { ExperimentId = id, PageSize = 50 }, Deadline(cancellationToken)).ResponseAsync.ConfigureAwait(false);
        return page.AuditEntries.FirstOrDefault(e => e.Action == AuditAction.Ramp);
    }

    private static async Task<Verdict?> TryGetVerdictAsync(Contracts.V1.Statistics.StatisticsClient statistics, string id, CancellationToken cancellationToken)
    {
        try
        {
            return await statistics.GetVerdictAsync(new GetVerdictRequest { ExperimentId = id }, Deadline(cancellationToken)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition)
        {
            return null;
        }
    }

    private static CallOptions Deadline(CancellationToken cancellationToken, int seconds = 10) =>
        new(deadline: DateTime.UtcNow.AddSeconds(seconds), cancellationToken: cancellationToken);

    private static void Print(Verdict verdict, TimeSpan elapsed, bool full)
    {
        var units = verdict.SampleRatioCheck?.Arms is { Count: > 0 } arms
            ? string.Join(" / ", arms.Select(a => $"{a.VariantKey} {a.ObservedUnits}"))
            : "";
        var text = new StringBuilder();
        text.Append(Invariant, $"[{elapsed.TotalSeconds,5:F0}s] {Name(verdict.Decision),-13} units {units}");
        if (verdict.SampleRatioCheck is { Passed: false })
        {
            text.Append("  (sample ratio mismatch!)");
        }
        Console.WriteLine(text.ToString());
        if (verdict.GuardrailBreach is { } breach)
        {
            Console.WriteLine($"    ROLL_BACK since {breach.AsOfTime.ToDateTime():HH:mm:ss} event time ({breach.KpiKey}); it stays");
        }
        foreach (var kpi in verdict.KpiResults)
        {
            Console.WriteLine("    " + KpiLine(kpi));
        }
        if (full)
        {
            foreach (var reason in verdict.Reasons)
            {
                Console.WriteLine("  - " + reason);
            }
        }
    }

    private static string KpiLine(KpiResult kpi)
    {
        var line = new StringBuilder();
        line.Append(Invariant, $"{kpi.KpiKey,-16} {Name(kpi.Role),-9}");
        var control = kpi.Arms.FirstOrDefault(a => a.VariantKey == "control");
        var treatment = kpi.Arms.FirstOrDefault(a => a.VariantKey != "control");
        if (control is not null && treatment is not null)
        {
            line.Append(Invariant, $" control {Format(kpi.Kind, control.Estimate),10}  treatment {Format(kpi.Kind, treatment.Estimate),10}");
        }
        if (kpi.Decision == KpiDecision.InsufficientData && kpi.Kind == KpiKind.RetentionDayN)
        {
            // Day-N retention counts users first exposed at least N + 1 days (of event time) before the latest event:
            // none until the simulated days reach day 2 (a run stopped early by a rollback never does).
            line.Append("  (needs users exposed 2+ simulated days ago)");
        }
        if (kpi.Comparisons.FirstOrDefault() is { } c)
        {
            // The always-valid interval and p-value the decision used; the fixed-horizon figures decide nothing.
            var interval = c.DecisionInterval ?? c.RelativeConfidenceSequence;
            var level = c.DecisionLevel > 0 ? c.DecisionLevel : 0.05;
            line.Append(Invariant, $"  effect {c.RelativeEffect,7:+0.0%;-0.0%;+0.0%} always-valid {1 - level:0.#%} CI [{interval?.Lower ?? double.NaN:+0.0%;-0.0%;+0.0%}, {interval?.Upper ?? double.NaN:+0.0%;-0.0%;+0.0%}]");
            line.Append(kpi.Role == KpiRole.Guardrail
                ? $"  p={PValue(c.DecisionPValue)} vs {(kpi.Direction == DesiredDirection.Increase ? -kpi.Tolerance : kpi.Tolerance).ToString("+0.#%;-0.#%", Invariant)}"
                : $"  adjusted p={PValue(c.DecisionPValue)}");
        }
        line.Append("  " + (kpi.Role == KpiRole.Guardrail ? GuardrailName(kpi) : Name(kpi.Decision)));
        return line.ToString();
    }

    private static string PValue(double p) => double.IsNaN(p) ? "n/a" : p < 0.0001 ? "<0.0001" : p.ToString("0.0000", Invariant);

    // The guardrail's worst comparison: beyond before not yet shown before within.
    private static string GuardrailName(KpiResult kpi) =>
        kpi.Comparisons.Count == 0 ? "not yet shown within tolerance (" + Name(kpi.Decision) + ")"
        : kpi.Comparisons.Any(c => c.GuardrailStatus == GuardrailStatus.BeyondTolerance) ? "BEYOND TOLERANCE"
        : kpi.Comparisons.Any(c => c.GuardrailStatus == GuardrailStatus.NotYetShown) ? "not yet shown within tolerance"
        : kpi.Comparisons.All(c => c.GuardrailStatus == GuardrailStatus.WithinTolerance) ? "within tolerance"
        : Name(kpi.Decision);

    private static string Format(KpiKind kind, double value) => double.IsNaN(value) ? "n/a" : kind switch
    {
        KpiKind.LatencyMean or KpiKind.LatencyP50 or KpiKind.LatencyP95 or KpiKind.LatencyP99 => value.ToString("0.0", Invariant) + " ms",
        KpiKind.ErrorRate or KpiKind.Availability or KpiKind.RetentionDayN => value.ToString("0.00%", Invariant),
        _ => value.ToString("0.###", Invariant),
    };

    private static string Name(Scenario scenario) => scenario switch
    {
        Scenario.P99Regression => "p99-regression (new router faster at p50, slow tail at p99)",
        Scenario.Improvement => "improvement (new router faster at p50 and p99)",
        Scenario.AA => "aa (both routers identical)",
        Scenario.Errors => "errors (new router faster, 3x broker errors)",
        _ => scenario.ToString(),
    };

    private static string Name(VerdictDecision decision) => decision.ToString() switch
    {
        "Ship" => "SHIP",
        "RollBack" => "ROLL_BACK",
        "KeepRunning" => "KEEP_RUNNING",
        "Inconclusive" => "INCONCLUSIVE",
        "Invalid" => "INVALID",
        var other => other.ToUpperInvariant(),
    };

    private static string Name(ExperimentStatus status) => status.ToString().ToUpperInvariant();

    private static string Name(KpiRole role) => role.ToString().ToLowerInvariant();

    private static string Name(KpiDecision decision) => decision switch
    {
        KpiDecision.Better => "better",
        KpiDecision.Worse => "WORSE",
        KpiDecision.WorseWithinTolerance => "worse within tolerance",
        KpiDecision.NoSignificantDifference => "no significant difference",
        KpiDecision.InsufficientData => "insufficient data",
        KpiDecision.Equivalent => "equivalent",
        _ => decision.ToString(),
    };
}
