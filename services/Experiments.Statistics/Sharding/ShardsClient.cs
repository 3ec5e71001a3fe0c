using Experiments.Contracts.V1;
using Experiments.Grpc;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Experiments.Statistics.Sharding;

/// <summary>Typed client of StatisticsShards (a coordinator fetching the shards' aggregates).</summary>
internal sealed class ShardsClient(CallInvoker invoker) : ClientBase(invoker)
{
    private static readonly ServiceDescriptor Service = StatisticsShardsReflection.Descriptor.Services[0];
    private static readonly Method<ExportAggregatesRequest, ShardAggregates> ExportMethod =
        Method<ExportAggregatesRequest, ShardAggregates>.FromDescriptor(Service.FindMethodByName("ExportAggregates"));
    private static readonly Method<GetVerdictRequest, Verdict> MergedMethod =
        Method<GetVerdictRequest, Verdict>.FromDescriptor(Service.FindMethodByName("GetMergedVerdict"));

    public AsyncUnaryCall<ShardAggregates> ExportAggregatesAsync(ExportAggregatesRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(ExportMethod, options, request);

    public AsyncUnaryCall<Verdict> GetMergedVerdictAsync(GetVerdictRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(MergedMethod, options, request);
}
