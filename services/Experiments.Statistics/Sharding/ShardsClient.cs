using Experiments.Contracts.V1;
using Grpc.Core;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Experiments.Statistics.Sharding;

/// <summary>Typed client of a statistics replica as a coordinator uses it: StatisticsShards, and Statistics.WatchVerdicts.</summary>
internal sealed class ShardsClient(CallInvoker invoker) : ClientBase(invoker)
{
    private static readonly ServiceDescriptor Service = StatisticsShardsReflection.Descriptor.Services[0];
    private static readonly ServiceDescriptor Statistics = StatisticsServiceReflection.Descriptor.Services[0];
    private static readonly Method<ExportAggregatesRequest, ShardAggregates> ExportMethod =
        Method<ExportAggregatesRequest, ShardAggregates>.FromDescriptor(Service.FindMethodByName("ExportAggregates"));
    private static readonly Method<GetVerdictRequest, Verdict> MergedMethod =
        Method<GetVerdictRequest, Verdict>.FromDescriptor(Service.FindMethodByName("GetMergedVerdict"));
    private static readonly Method<WatchVerdictsRequest, Verdict> WatchMergedMethod =
        Method<WatchVerdictsRequest, Verdict>.FromDescriptor(Service.FindMethodByName("WatchMergedVerdicts"));
    private static readonly Method<WatchVerdictsRequest, Verdict> WatchMethod =
        Method<WatchVerdictsRequest, Verdict>.FromDescriptor(Statistics.FindMethodByName("WatchVerdicts"));

    public AsyncUnaryCall<ShardAggregates> ExportAggregatesAsync(ExportAggregatesRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(ExportMethod, options, request);

    public AsyncUnaryCall<Verdict> GetMergedVerdictAsync(GetVerdictRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(MergedMethod, options, request);

    public AsyncServerStreamingCall<Verdict> WatchMergedVerdicts(WatchVerdictsRequest request, CallOptions options = default) =>
        CallInvoker.AsyncServerStreamingCall(WatchMergedMethod, options, request);

    /// <summary>The replica's own verdicts (Statistics.WatchVerdicts).</summary>
    public AsyncServerStreamingCall<Verdict> WatchVerdicts(WatchVerdictsRequest request, CallOptions options = default) =>
        CallInvoker.AsyncServerStreamingCall(WatchMethod, options, request);
}
