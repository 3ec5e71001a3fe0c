using Experiments.Contracts.V1;
using Experiments.ServiceDefaults.Auth;
using Experiments.ServiceDefaults.Configuration;
using Grpc.Core;
using Experiments.Statistics.Engine.Aggregation;
using Experiments.Statistics.Engine.Verdicts;
using Experiments.Statistics.Intake;

namespace Experiments.Statistics.Definitions;

/// <summary>
/// Automatic rollback: a ROLL_BACK verdict of a RUNNING experiment with auto_rollback ramps it to 0% through the
/// assignment service's RampExperiment, so every unit is served the default variant (the control unless the
/// experiment names another), with a reason naming the breached guardrails and their effects for the audit trail.
/// An experiment already at 0% is not ramped again; a revision conflict is retried once on a fresh read.
/// </summary>
internal sealed partial class AutoRollback(ExperimentAdmin.ExperimentAdminClient client, StatisticsShard shard, Func<CancellationToken, CallOptions> callOptions, ILogger logger)
{
    private const string ReasonPrefix = "automatic rollback by statistics: ";
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Ramps the verdict's experiment to 0% when it asks for a rollback; marks the verdict when it did.</summary>
    public async Task OnVerdictAsync(Verdict verdict, VerdictResult result)
    {
        if (result.Decision != VerdictDecisionKind.RollBack)
        {
            return;
        }
        var experiment = shard.Experiments().FirstOrDefault(e => e.Id == verdict.ExperimentId);
        if (experiment is null || !Applies(experiment) || !Begin(experiment.Id))
        {
            return;
        }
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var current = await client.GetExperimentAsync(new GetExperimentRequest { Id = experiment.Id }, Options());
                if (!Applies(current))
                {
                    return; // already at 0%, stopped, or auto-rollback turned off meanwhile
                }
                var served = ResolvedDefault(current);
                var reason = Reason(result, served?.Key ?? "");
                try
                {
                    var ramped = await client.RampExperimentAsync(new RampExperimentRequest
                    {
                        Id = current.Id, ExpectedRevision = current.Revision, RolloutPercent = 0, Reason = reason,
                    }, Options());
                    verdict.AutoRollbackTriggered = true;
                    shard.Define(ramped);
                    LogRolledBack(logger, experiment.Id, ramped.Revision, reason);
                    if (served is { IsControl: false })
                    {
                        LogDefaultIsNotControl(logger, experiment.Id, served.Key);
                    }
                    return;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Aborted && attempt == 1)
                {
                    // Someone changed the experiment between our read and the ramp: read it again and retry once.
                }
            }
        }
        catch (RpcException e) when (PeerCredentials.Refused(e))
        {
            PeerCredentials.LogRefused(logger, "The assignment service", "Statistics:AssignmentApiKey", Scopes.Admin, e);
        }
        catch (RpcException e)
        {
            LogRollbackFailed(logger, experiment.Id, e.StatusCode.ToString(), e);
        }
        catch (HttpRequestException e)
        {
            LogRollbackFailed(logger, experiment.Id, "unavailable", e);
        }
        finally
        {
            End(experiment.Id);
        }
    }

    /// <summary>"automatic rollback by statistics: ramped to 0%, every unit now gets 'control', because guardrail breached: …; …".</summary>
    internal static string Reason(VerdictResult result, string servedVariantKey)
    {
        var breaches = result.Metrics
            .Where(m => m.Metric.Role == MetricRole.Guardrail)
            .SelectMany(m => m.Comparisons.Where(c => c.Decision == MetricDecision.Worse))
            .SelectMany(c => c.Reasons)
            .ToList();
        return $"{ReasonPrefix}ramped to 0%, every unit now gets '{servedVariantKey}', because {string.Join("; ", breaches.Count > 0 ? breaches : result.Reasons)}";
    }

    private static bool Applies(Experiment experiment) =>
        experiment is { AutoRollback: true, Status: ExperimentStatus.Running } && experiment.RolloutPercent > 0;

    private static Variant? ResolvedDefault(Experiment experiment) =>
        experiment.DefaultVariantKey.Length > 0
            ? experiment.Variants.FirstOrDefault(v => v.Key == experiment.DefaultVariantKey)
            : experiment.Variants.FirstOrDefault(v => v.IsControl);

    private bool Begin(string experimentId)
    {
        lock (_lock)
        {
            return _inFlight.Add(experimentId);
        }
    }

    private void End(string experimentId)
    {
        lock (_lock)
        {
            _inFlight.Remove(experimentId);
        }
    }

    private CallOptions Options()
    {
        var options = callOptions(CancellationToken.None);
        return options.WithDeadline(DateTime.UtcNow + CallTimeout);
    }

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Experiment {ExperimentId} rolled back automatically: ramped to 0% (revision {Revision}): {Reason}")]
    private static partial void LogRolledBack(ILogger logger, string experimentId, long revision, string reason);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "Automatic rollback of {ExperimentId} failed ({Status})")]
    private static partial void LogRollbackFailed(ILogger logger, string experimentId, string status, Exception exception);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Experiment {ExperimentId} is at 0% but its default variant '{VariantKey}' is not the control: units are served that variant")]
    private static partial void LogDefaultIsNotControl(ILogger logger, string experimentId, string variantKey);
}
