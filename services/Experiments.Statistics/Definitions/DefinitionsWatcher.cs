using Experiments.Contracts.V1;
using Experiments.Grpc;
using Experiments.Statistics.Engine.Verdicts;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Verdicts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Definitions;

/// <summary>
/// Follows the assignment service's WatchDefinitions stream (snapshot, then upserts and removals, resuming after
/// the last applied version) and performs automatic rollbacks: a ROLL_BACK verdict of a RUNNING experiment with
/// auto_rollback stops it with the control as final variant and the verdict's reasons as stop reason.
/// </summary>
internal sealed partial class DefinitionsWatcher(
    StatisticsShard shard, VerdictBook verdicts, IOptions<StatisticsOptions> options, ILogger<DefinitionsWatcher> logger) : BackgroundService
{
    private readonly HashSet<string> _rolledBack = new(StringComparer.Ordinal);
    private AssignmentClient? _client;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var address = options.Value.AssignmentAddress;
        if (string.IsNullOrEmpty(address))
        {
            shard.MarkDefinitionsReady();
            return;
        }
        using var channel = GrpcChannel.ForAddress(address);
        _client = new AssignmentClient(channel.CreateCallInvoker());
        verdicts.Computed += RollBackIfNeededAsync;
        long version = 0;
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var call = _client.WatchDefinitions(new WatchDefinitionsRequest { ResumeAfterVersion = version }, Options(stoppingToken));
                while (await call.ResponseStream.MoveNext(stoppingToken))
                {
                    version = Apply(call.ResponseStream.Current);
                    backoff = TimeSpan.FromMilliseconds(200);
                }
            }
            catch (RpcException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e)
            {
                LogWatchFailed(logger, e.StatusCode.ToString(), e);
            }
            catch (HttpRequestException e) when (!stoppingToken.IsCancellationRequested)
            {
                LogWatchFailed(logger, "unavailable", e);
            }
            await Task.Delay(backoff, stoppingToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }
    }

    /// <summary>Applies one message of the stream; returns its version.</summary>
    internal long Apply(WatchDefinitionsResponse message)
    {
        switch (message.ChangeCase)
        {
            case WatchDefinitionsResponse.ChangeOneofCase.Snapshot:
                var ids = message.Snapshot.Experiments.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
                foreach (var held in shard.Experiments().Where(e => !ids.Contains(e.Id)))
                {
                    shard.Remove(held.Id);
                }
                foreach (var experiment in message.Snapshot.Experiments.Where(Analysable))
                {
                    shard.Define(experiment);
                }
                shard.MarkDefinitionsReady();
                break;
            case WatchDefinitionsResponse.ChangeOneofCase.Upsert when Analysable(message.Upsert):
                shard.Define(message.Upsert);
                break;
            case WatchDefinitionsResponse.ChangeOneofCase.Removal:
                shard.Remove(message.Removal.ExperimentId);
                break;
        }
        return message.Version;
    }

    // Drafts collect nothing; an experiment needs a control and a KPI to be judged.
    private static bool Analysable(Experiment experiment) =>
        experiment.Status is ExperimentStatus.Running or ExperimentStatus.Stopped
        && experiment.Variants.Count(v => v.IsControl) == 1 && experiment.Variants.Count >= 2 && experiment.Kpis.Count > 0;

    private async Task RollBackIfNeededAsync(Verdict verdict, VerdictResult result)
    {
        if (result.Decision != VerdictDecisionKind.RollBack || _client is null)
        {
            return;
        }
        var experiment = shard.Experiments().FirstOrDefault(e => e.Id == verdict.ExperimentId);
        if (experiment is not { AutoRollback: true, Status: ExperimentStatus.Running } || !_rolledBack.Add(experiment.Id))
        {
            return;
        }
        var reason = "automatic rollback by statistics: " + string.Join("; ", result.Reasons);
        var control = experiment.Variants.First(v => v.IsControl).Key;
        try
        {
            var current = await _client.GetExperiment(new GetExperimentRequest { Id = experiment.Id }, Options(CancellationToken.None));
            var stopped = await _client.StopExperiment(new StopExperimentRequest
            {
                Id = experiment.Id, ExpectedRevision = current.Revision, FinalVariantKey = control, Reason = reason,
            }, Options(CancellationToken.None));
            verdict.AutoRollbackTriggered = true;
            shard.Define(stopped);
            LogRolledBack(logger, experiment.Id, reason);
        }
        catch (RpcException e)
        {
            _rolledBack.Remove(experiment.Id);
            LogRollbackFailed(logger, experiment.Id, e.StatusCode.ToString(), e);
        }
    }

    private CallOptions Options(CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (options.Value.AssignmentApiKey.Length > 0)
        {
            headers.Add("authorization", "Bearer " + options.Value.AssignmentApiKey);
        }
        return new CallOptions(headers, cancellationToken: cancellationToken);
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "WatchDefinitions failed ({Status}); reconnecting")]
    private static partial void LogWatchFailed(ILogger logger, string status, Exception exception);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Experiment {ExperimentId} rolled back automatically: {Reason}")]
    private static partial void LogRolledBack(ILogger logger, string experimentId, string reason);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "Automatic rollback of {ExperimentId} failed ({Status})")]
    private static partial void LogRollbackFailed(ILogger logger, string experimentId, string status, Exception exception);
}
