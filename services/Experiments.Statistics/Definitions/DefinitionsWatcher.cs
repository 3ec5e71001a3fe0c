using Experiments.Contracts.V1;
using Experiments.ServiceDefaults.Auth;
using Experiments.ServiceDefaults.Configuration;
using Experiments.ServiceDefaults.Logging;
using Grpc.Core;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Verdicts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Definitions;

/// <summary>
/// Follows the assignment service's WatchDefinitions stream (snapshot, then upserts and removals, resuming after
/// the last applied version) and, through the same connection, performs automatic rollbacks (<see cref="AutoRollback"/>).
/// </summary>
internal sealed partial class DefinitionsWatcher(
    StatisticsShard shard, VerdictBook verdicts, IOptions<StatisticsOptions> options, IServiceProvider services, ILogger<DefinitionsWatcher> logger) : BackgroundService
{
    /// <summary>Whether the definitions stream is up (or no assignment service is configured); for the health check.</summary>
    public bool Connected { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var address = options.Value.AssignmentAddress;
        if (string.IsNullOrEmpty(address))
        {
            Connected = true;
            shard.MarkDefinitionsReady();
            return;
        }
        var client = services.GetRequiredService<Contracts.V1.Assignment.AssignmentClient>();
        var admin = services.GetRequiredService<ExperimentAdmin.ExperimentAdminClient>();
        Func<Verdict, Engine.Verdicts.VerdictResult, Task> rollBack = new AutoRollback(admin, shard, Options, logger).OnVerdictAsync;
        verdicts.Computed += rollBack;
        try
        {
            await FollowAsync(client, stoppingToken);
        }
        finally
        {
            verdicts.Computed -= rollBack;
        }
    }

    private async Task FollowAsync(Contracts.V1.Assignment.AssignmentClient client, CancellationToken stoppingToken)
    {
        long version = 0;
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var call = client.WatchDefinitions(new WatchDefinitionsRequest { ResumeAfterVersion = version }, Options(stoppingToken));
                while (await call.ResponseStream.MoveNext(stoppingToken))
                {
                    version = Apply(call.ResponseStream.Current);
                    Connected = true;
                    backoff = TimeSpan.FromMilliseconds(200);
                }
            }
            catch (RpcException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                // Expected while the assignment service starts or restarts: its status says all.
                LogAssignmentUnavailable(logger, e.Status.Detail, backoff);
            }
            catch (RpcException e) when (PeerCredentials.Refused(e))
            {
                PeerCredentials.LogRefused(logger, "The assignment service at " + options.Value.AssignmentAddress, "Statistics:AssignmentApiKey", Scopes.Read, e);
            }
            catch (RpcException e)
            {
                LogWatchFailed(logger, e.StatusCode.ToString(), e);
            }
            catch (HttpRequestException e) when (!stoppingToken.IsCancellationRequested)
            {
                LogWatchFailed(logger, "unavailable", e);
            }
            Connected = false;
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

    // The API key travels by the client's interceptor (AddPeerClient); the stream lives until the host stops.
    private static CallOptions Options(CancellationToken cancellationToken) => new(cancellationToken: cancellationToken);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "WatchDefinitions failed ({Status}); reconnecting")]
    private static partial void LogWatchFailed(ILogger logger, string status, Exception exception);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "Assignment service unavailable ({Detail}); reconnecting in {Delay}")]
    private static partial void LogAssignmentUnavailable(ILogger logger, string detail, HumanDuration delay);
}
