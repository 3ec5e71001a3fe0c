using System.Diagnostics;
using System.Globalization;
using Experiments.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Experiments.Bench.Peeking;

/// <summary>
/// One simulated experiment through the services: created and started over ExperimentAdmin, then, once statistics
/// has its definition (a first verdict), each increment of users
/// enrolled by Assignment.AssignBatch (assignment reports their exposures to ingestion itself, as in production);
/// once statistics counts them, their requests sent to Ingestion.IngestBatch; then GetVerdict polled until it counts every enrolled unit (the sample
/// ratio check) and every request (the primary KPI's observations), and its decision recorded. Stopped at the end.
/// </summary>
internal sealed class PeekingRun(ServiceClients clients, PeekingOptions options, Scenario scenario, int run, int seed)
{
    public const string ApiName = "bench.v1.Orders/PlaceOrder";
    private const string Control = "control";
    private const string Treatment = "treatment";

    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LookLimit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly string _id = $"peek-{scenario.Name}-{run:D3}-{seed:x8}";
    private readonly TrafficModel _traffic = new(scenario);

    public async Task<RunRecord> RunAsync(CancellationToken cancellationToken)
    {
        var looks = new List<LookRecord>();
        Experiment? started = null;
        try
        {
            var created = await clients.Admin.CreateExperimentAsync(new CreateExperimentRequest { ExperimentId = _id, Experiment = Definition() },
                deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            started = await clients.Admin.StartExperimentAsync(new StartExperimentRequest { Id = _id, ExpectedRevision = created.Revision },
                deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);

            // Statistics drops an exposure of an experiment whose definition has not reached it yet over
            // WatchDefinitions (ShardAggregator.Route): units enrolled at once after the start could be lost under
            // load. Enrol only once statistics answers for the experiment (its first, empty verdict).
            await WaitForVerdictAsync(0, 0, cancellationToken).ConfigureAwait(false);
            var random = new Random(seed);
            long units = 0, requests = 0, sequence = 0;
            for (var look = 1; look <= options.Looks; look++)
            {
                var from = (long)options.Users * (look - 1) / options.Looks;
                var to = (long)options.Users * look / options.Looks;
                var assigned = await AssignAsync(from, to, cancellationToken).ConfigureAwait(false);
                units += assigned.Count;
                // A backend that evaluates remotely reports its requests after Assign returned, but assignment reports
                // the exposures itself, up to its flush interval later; statistics counts a unit's events only once
                // its exposure is in (ExperimentAggregator), so the requests go in after the exposures were counted,
                // as the SDK's own stream orders them (exposure first).
                await WaitForVerdictAsync(units, requests, cancellationToken).ConfigureAwait(false);
                var batch = new EventBatch { Sequence = ++sequence, Source = _id };
                var now = Timestamp.FromDateTime(DateTime.UtcNow);
                foreach (var (user, arm) in assigned)
                {
                    foreach (var (latencyMs, error) in _traffic.Requests(random, arm == Treatment))
                    {
                        batch.Events.Add(new Event
                        {
                            EventId = Guid.CreateVersion7().ToString(),
                            EventTime = now,
                            UserId = user,
                            Request = new RequestEvent { ApiName = ApiName, LatencyMs = latencyMs, StatusCode = error ? 14 : 0, Error = error, ClientId = "peeking-bench" },
                        });
                    }
                }
                var response = await clients.Ingestion.IngestBatchAsync(batch, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
                if (response.AcceptedCount != batch.Events.Count)
                {
                    throw new InvalidOperationException($"ingestion accepted {response.AcceptedCount} of {batch.Events.Count} events "
                        + $"({response.DuplicateCount} duplicates, {response.RejectedCount} rejected: {response.Rejections.FirstOrDefault()?.Message})");
                }
                requests += batch.Events.Count;
                var verdict = await WaitForVerdictAsync(units, requests, cancellationToken).ConfigureAwait(false);
                looks.Add(new LookRecord(look, units, requests, verdict.Decision, [.. verdict.Reasons], Guardrails(verdict),
                    verdict.SampleRatioCheck?.PValue ?? double.NaN, verdict.GuardrailBreach is not null || verdict.ShipDecision is not null));
            }
            return new RunRecord(scenario, run, seed, _id, looks, null);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or TimeoutException)
        {
            return new RunRecord(scenario, run, seed, _id, looks, e.Message);
        }
        finally
        {
            if (started is not null)
            {
                await StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private Experiment Definition()
    {
        var experiment = new Experiment
        {
            FlagKey = _id,
            DisplayName = $"Peeking simulation {scenario.Name} #{run}",
            Description = $"Experiments.Bench.Peeking, scenario {scenario.Name}, seed {seed}.",
            RandomizationUnit = RandomizationUnit.User,
            RolloutPercent = 100,
            Alpha = 0.05,
            MinimumDetectableEffect = 0.05,
            Power = 0.8,
            MultipleTestingCorrection = MultipleTestingCorrection.Holm,
            // Off: a rollback would ramp the experiment to 0% and stop enrolment; the simulation records the decisions.
            AutoRollback = false,
            Horizon = new Horizon { MaxDuration = Duration.FromTimeSpan(TimeSpan.FromDays(14)) },
            // As the demo: the always-valid intervals are tightest at the planned sample, every simulated user.
            SequentialNStar = options.Users,
        };
        experiment.Variants.Add(new Variant { Key = Control, Weight = 50, IsControl = true });
        experiment.Variants.Add(new Variant { Key = Treatment, Weight = 50 });
        experiment.Kpis.Add(new Kpi { Key = "latency-p50", DisplayName = "PlaceOrder p50 latency", Kind = KpiKind.LatencyP50, Role = KpiRole.Primary, ApiName = ApiName, Direction = DesiredDirection.Decrease });
        experiment.Kpis.Add(new Kpi { Key = "latency-p99", DisplayName = "PlaceOrder p99 latency", Kind = KpiKind.LatencyP99, Role = KpiRole.Guardrail, ApiName = ApiName, Direction = DesiredDirection.Decrease, Tolerance = 0.10 });
        experiment.Kpis.Add(new Kpi { Key = "error-rate", DisplayName = "PlaceOrder error rate", Kind = KpiKind.ErrorRate, Role = KpiRole.Guardrail, ApiName = ApiName, Direction = DesiredDirection.Decrease, Tolerance = 0.50 });
        return experiment;
    }

    private async Task<List<(string User, string Arm)>> AssignAsync(long from, long to, CancellationToken cancellationToken)
    {
        var request = new AssignBatchRequest { FlagKeys = { _id } };
        for (var i = from; i < to; i++)
        {
            request.Contexts.Add(new EvaluationContext { UserId = $"{_id}-u{i:D5}" });
        }
        var response = await clients.Assignment.AssignBatchAsync(request, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
        var enrolled = new List<(string, string)>(request.Contexts.Count);
        for (var i = 0; i < response.Results.Count; i++)
        {
            var assignment = response.Results[i].Assignments.Single();
            if (!assignment.InExperiment)
            {
                throw new InvalidOperationException($"user {request.Contexts[i].UserId} not enrolled: {assignment.Reason}");
            }
            enrolled.Add((request.Contexts[i].UserId, assignment.VariantKey));
        }
        return enrolled;
    }

    /// <summary>Polls GetVerdict until it counts <paramref name="units"/> enrolled units and <paramref name="requests"/> requests.</summary>
    private async Task<Verdict> WaitForVerdictAsync(long units, long requests, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Verdict? verdict = null;
        while (clock.Elapsed < LookLimit)
        {
            try
            {
                verdict = await clients.Statistics.GetVerdictAsync(new GetVerdictRequest { ExperimentId = _id }, deadline: Deadline(), cancellationToken: cancellationToken)
                    .ResponseAsync.ConfigureAwait(false);
                if (Units(verdict) == units && Requests(verdict) == requests)
                {
                    return verdict;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                // No verdict computed yet: statistics has not received the definition or its first events.
            }
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
        throw new TimeoutException($"after {LookLimit.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s the verdict counted "
            + $"{(verdict is null ? "nothing" : $"{Units(verdict)} units and {Requests(verdict)} requests")}, not {units} units and {requests} requests");
    }

    private static long Units(Verdict verdict) => verdict.SampleRatioCheck?.Arms.Sum(a => a.ObservedUnits) ?? 0;

    private static long Requests(Verdict verdict) =>
        verdict.KpiResults.FirstOrDefault(k => k.Role == KpiRole.Primary)?.Arms.Sum(a => a.Observations) ?? 0;

    private static string Guardrails(Verdict verdict) => string.Join("; ", verdict.KpiResults.Where(k => k.Role == KpiRole.Guardrail).Select(k =>
    {
        var comparison = k.Comparisons.FirstOrDefault();
        return comparison is null
            ? $"{k.KpiKey} {k.Decision}"
            : $"{k.KpiKey} {comparison.GuardrailStatus} [{Percent(comparison.DecisionInterval.Lower)}, {Percent(comparison.DecisionInterval.Upper)}] vs {Percent(k.Tolerance)}"
                + (k.Power is { RequiredUnitsPerArm: > 0 } power ? $" (plan: {power.RequiredUnitsPerArm} units/arm)" : "");
    }));

    private static string Percent(double value) => (value * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + "%";

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            var current = await clients.Admin.GetExperimentAsync(new GetExperimentRequest { Id = _id }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            if (current.Status == ExperimentStatus.Running)
            {
                await clients.Admin.StopExperimentAsync(new StopExperimentRequest { Id = _id, ExpectedRevision = current.Revision, Reason = "peeking simulation done", FinalVariantKey = Control },
                    deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            }
        }
        catch (RpcException e)
        {
            Console.Error.WriteLine($"{_id}: could not stop the experiment: {e.Status.Detail}");
        }
    }

    private static DateTime Deadline() => DateTime.UtcNow + CallLimit;
}
