using Experiments.Contracts.V1;
using Grpc.Core;
using Experiments.Statistics.Intake;
using Experiments.Statistics.Sharding;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Experiments.Statistics.Rpc;

/// <summary>
/// StatisticsShards: exports this replica's mergeable aggregates, and merges the configured shards' into one verdict,
/// on request or as a stream (<see cref="MergedVerdicts"/>; the scale-out path of DESIGN §4; GetVerdict stays this
/// replica's own, cached verdict).
/// </summary>
internal sealed class StatisticsShardsService(StatisticsShard shard, MergedVerdicts merged, IOptions<StatisticsOptions> options, TimeProvider time) : StatisticsShards.StatisticsShardsBase
{
    public override Task<ShardAggregates> ExportAggregates(ExportAggregatesRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.ExperimentId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "experiment_id is required"));
        }
        var export = shard.Export(request.ExperimentId)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"this replica holds no state for experiment '{request.ExperimentId}'"));
        var o = options.Value;
        var response = new ShardAggregates
        {
            Experiment = export.Experiment,
            PartitionCount = o.PartitionCount,
            FormatVersion = ShardMerge.FormatVersion,
            Aggregates = ByteString.CopyFrom(export.Aggregates),
            SnapshotTime = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        };
        response.OwnedPartitions.AddRange(Enumerable.Range(0, o.PartitionCount).Where(o.Owns));
        return Task.FromResult(response);
    }

    public override async Task<Verdict> GetMergedVerdict(GetVerdictRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.ExperimentId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "experiment_id is required"));
        }
        try
        {
            return await merged.MergeAsync(request.ExperimentId, request.View == VerdictView.Full, context.CancellationToken);
        }
        catch (Exception e) when (MappedStatus(e) is { } status)
        {
            throw new RpcException(status);
        }
    }

    public override async Task WatchMergedVerdicts(WatchVerdictsRequest request, IServerStreamWriter<Verdict> responseStream, ServerCallContext context)
    {
        var minInterval = StatisticsService.MinInterval(request);
        var ids = request.ExperimentIds.ToHashSet(StringComparer.Ordinal);
        try
        {
            await foreach (var verdict in merged.WatchAsync(ids, request.View == VerdictView.Full, minInterval, context.CancellationToken))
            {
                await responseStream.WriteAsync(verdict);
            }
        }
        catch (Exception e) when (MappedStatus(e) is { } status)
        {
            throw new RpcException(status);
        }
    }

    private static Status? MappedStatus(Exception exception) => exception switch
    {
        ShardMergeException e => new Status(StatusCode.FailedPrecondition, e.Message),
        ShardUnavailableException e => new Status(StatusCode.Unavailable, e.Message),
        _ => null,
    };
}
