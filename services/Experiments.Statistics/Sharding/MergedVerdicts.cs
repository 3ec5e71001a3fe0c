using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Experiments.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Experiments.ServiceDefaults.Auth;
using Experiments.ServiceDefaults.Configuration;
using Experiments.Statistics.Checkpoints;
using Experiments.Statistics.Verdicts;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Sharding;

/// <summary>
/// The coordinator of scale-out (DESIGN §4): fetches the aggregates every configured shard
/// (<c>Statistics:ShardAddresses</c>) exports and merges them into one verdict (<see cref="ShardMerge"/>), on request,
/// or whenever a shard's own verdict of a watched experiment moves, paced per experiment like WatchVerdicts.
/// </summary>
internal sealed class MergedVerdicts(IOptions<StatisticsOptions> options, TimeProvider time, ICheckpointStore store, ILogger<MergedVerdicts> logger) : IDisposable
{
    private readonly Dictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly DecisionMemory _decisions = new(store, "merged-decisions", logger);

    /// <summary>The verdict over every shard, merged now.</summary>
    /// <exception cref="ShardMergeException">No shards are configured, or their aggregates do not add up to the whole experiment.</exception>
    /// <exception cref="ShardUnavailableException">A shard could not be reached or failed.</exception>
    /// <exception cref="ShardMergeException">A shard refused Statistics:ShardApiKey (a configuration error, logged).</exception>
    /// <exception cref="RpcException">NOT_FOUND: a shard holds no state for the experiment.</exception>
    public async Task<Verdict> MergeAsync(string experimentId, bool full, CancellationToken cancellationToken)
    {
        var addresses = Addresses();
        var exports = await Task.WhenAll(addresses.Select(async address =>
        {
            try
            {
                return await new StatisticsShards.StatisticsShardsClient(ChannelTo(address)).ExportAggregatesAsync(new ExportAggregatesRequest { ExperimentId = experimentId },
                    CallOptions(cancellationToken).WithDeadline(DateTime.UtcNow + ExportTimeout));
            }
            catch (RpcException e) when (PeerCredentials.Refused(e))
            {
                throw Refused(address, Scopes.Internal, e);
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.NotFound && !cancellationToken.IsCancellationRequested)
            {
                throw new ShardUnavailableException(address, $"{e.StatusCode} {e.Status.Detail}", e);
            }
            catch (HttpRequestException e)
            {
                throw new ShardUnavailableException(address, e.Message, e);
            }
        }));
        var (verdict, result) = ShardMerge.Merge(exports, time.GetUtcNow(), full, await _decisions.OfAsync(experimentId, cancellationToken));
        await _decisions.RememberAsync(experimentId, result.Breach, result.Ship, cancellationToken);
        return verdict;
    }

    /// <summary>
    /// Follows every shard's WatchVerdicts of <paramref name="experimentIds"/> (all when empty) and yields the merged
    /// verdict of an experiment each time a shard's verdict of it moves: at most one per experiment per
    /// <paramref name="minInterval"/>, and a move inside the interval is merged once the interval has passed.
    /// </summary>
    /// <exception cref="ShardMergeException">No shards are configured, or they do not cover the partitions exactly once.</exception>
    /// <exception cref="ShardUnavailableException">A shard could not be reached, failed, or ended its stream.</exception>
    public async IAsyncEnumerable<Verdict> WatchAsync(IReadOnlySet<string> experimentIds, bool full, TimeSpan minInterval,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var addresses = Addresses();
        var moved = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var request = new WatchVerdictsRequest { View = VerdictView.Basic, MinInterval = Duration.FromTimeSpan(minInterval) };
        request.ExperimentIds.AddRange(experimentIds);
        var follows = addresses.Select(address => FollowAsync(address, request, moved.Writer, stop.Token)).ToArray();
        try
        {
            var pacer = new Pacer<string>(minInterval, id => id);
            await foreach (var experimentId in pacer.ReadAsync(moved.Reader, time, cancellationToken))
            {
                if (await TryMergeAsync(experimentId, full, cancellationToken) is { } verdict)
                {
                    yield return verdict;
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(follows);
        }
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }

    /// <summary>The merged verdict, or null while the shards cannot agree yet (a revision not everywhere, an experiment not yet known to every shard).</summary>
    private async Task<Verdict?> TryMergeAsync(string experimentId, bool full, CancellationToken cancellationToken)
    {
        try
        {
            return await MergeAsync(experimentId, full, cancellationToken);
        }
        catch (ShardMergeException e) when (e.Transient)
        {
            return null; // the lagging shard's verdict of the new revision triggers the next merge
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null; // likewise once that shard defines the experiment
        }
    }

    /// <summary>Reports the experiments whose verdict moved on one shard; completes <paramref name="moved"/> with the shard's failure.</summary>
    private async Task FollowAsync(string address, WatchVerdictsRequest request, ChannelWriter<string> moved, CancellationToken cancellationToken)
    {
        try
        {
            using var call = new Contracts.V1.Statistics.StatisticsClient(ChannelTo(address)).WatchVerdicts(request, CallOptions(cancellationToken));
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                moved.TryWrite(call.ResponseStream.Current.ExperimentId);
            }
            moved.TryComplete(new ShardUnavailableException(address, "ended its WatchVerdicts stream"));
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The watch ended.
        }
        catch (RpcException e) when (PeerCredentials.Refused(e))
        {
            moved.TryComplete(Refused(address, Scopes.Read, e));
        }
        catch (RpcException e)
        {
            moved.TryComplete(new ShardUnavailableException(address, $"{e.StatusCode} {e.Status.Detail}", e));
        }
        catch (HttpRequestException e)
        {
            moved.TryComplete(new ShardUnavailableException(address, e.Message, e));
        }
    }

    /// <summary>
    /// A shard that refuses our key will refuse it again: FAILED_PRECONDITION (not UNAVAILABLE, which invites retries),
    /// and a configuration error in the log naming the setting and the scope the refused call needs (ExportAggregates
    /// internal, WatchVerdicts read: the key needs both).
    /// </summary>
    private ShardMergeException Refused(string address, string scope, RpcException e)
    {
        PeerCredentials.LogRefused(logger, "shard " + address, "Statistics:ShardApiKey", scope, e);
        return new ShardMergeException($"shard {address} refused Statistics:ShardApiKey ({e.StatusCode}: {e.Status.Detail}); " +
            $"it needs a key with the '{Scopes.Internal}' and '{Scopes.Read}' scopes");
    }

    // A shard's export is a few kilobytes per experiment: one that takes longer than this is not coming.
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(30);

    private List<string> Addresses() => options.Value.ShardAddresses is { Count: > 0 } addresses
        ? addresses
        : throw new ShardMergeException("this replica has no Statistics:ShardAddresses to merge");

    private CallOptions CallOptions(CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (options.Value.ShardApiKey.Length > 0)
        {
            headers.Add("authorization", "Bearer " + options.Value.ShardApiKey);
        }
        return new CallOptions(headers, cancellationToken: cancellationToken);
    }

    // One channel per shard address, kept for the process: shards come from configuration as a list.
    private GrpcChannel ChannelTo(string address)
    {
        lock (_lock)
        {
            if (!_channels.TryGetValue(address, out var channel))
            {
                _channels[address] = channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });
            }
            return channel;
        }
    }
}
