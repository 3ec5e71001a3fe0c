using Experiments.Assignment.Rpc;
using Experiments.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Experiments.Sdk.Definitions;

/// <summary>
/// Keeps <see cref="DefinitionsStore"/> current from the assignment service's WatchDefinitions stream: a snapshot,
/// then every change; when the stream breaks it reconnects with exponential back-off and jitter, resuming after
/// the last applied version. Start-up never waits for it: until the first snapshot, flags serve their fallback.
/// </summary>
internal sealed class DefinitionsWatcher(
    DefinitionsStore store,
    ExperimentsChannels channels,
    IOptions<ExperimentsOptions> options,
    ILogger<DefinitionsWatcher> logger) : BackgroundService
{
    private readonly ExperimentsOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrEmpty(_options.AssignmentAddress))
        {
            SdkLog.NoAssignmentAddress(logger);
            return;
        }
        var channel = channels.For(_options.AssignmentAddress);
        var client = new Contracts.V1.Assignment.AssignmentClient(channel);
        var headers = ExperimentsChannels.Headers(_options.AssignmentKey);
        var delay = _options.ReconnectDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var request = new WatchDefinitionsRequest { ResumeAfterVersion = store.HasSnapshot ? store.Version : 0 };
                request.FlagKeys.AddRange(_options.FlagKeys);
                using var call = client.WatchDefinitions(request, new CallOptions(headers, cancellationToken: stoppingToken));
                while (await call.ResponseStream.MoveNext(stoppingToken).ConfigureAwait(false))
                {
                    Apply(call.ResponseStream.Current);
                    delay = _options.ReconnectDelay;
                }
                SdkLog.DefinitionsStreamEnded(logger, store.Version);
            }
            // The app is stopping: grpc-dotnet ends the watch as CANCELLED ("Call canceled by the client"), not a failure.
            catch (Exception exception) when (stoppingToken.IsCancellationRequested && exception is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                return;
            }
            catch (Exception exception) when (exception is RpcException or HttpRequestException or IOException or InvalidOperationException)
            {
                SdkLog.DefinitionsStreamFailed(logger, exception.Message, delay.TotalMilliseconds);
            }
            try
            {
                await Task.Delay(Backoff.Jittered(delay), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = Backoff.Next(delay, _options.MaxReconnectDelay);
        }
    }

    private void Apply(WatchDefinitionsResponse response)
    {
        switch (response.ChangeCase)
        {
            case WatchDefinitionsResponse.ChangeOneofCase.Snapshot:
                store.ApplySnapshot(response.Version, response.Snapshot.Experiments.Select(ExperimentMapper.ToServedDefinition));
                SdkLog.SnapshotApplied(logger, response.Version, response.Snapshot.Experiments.Count);
                break;
            case WatchDefinitionsResponse.ChangeOneofCase.Upsert:
                store.ApplyUpsert(response.Version, ExperimentMapper.ToServedDefinition(response.Upsert));
                break;
            case WatchDefinitionsResponse.ChangeOneofCase.Removal:
                store.ApplyRemoval(response.Version, response.Removal.ExperimentId);
                break;
            default:
                break;
        }
    }
}
