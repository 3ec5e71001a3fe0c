using Experiments.Contracts.V1;
using Experiments.Grpc;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Experiments.Clients;

/// <summary>Typed client of <c>experiments.v1.Statistics</c>: verdicts, live and past.</summary>
public sealed class StatisticsClient : ClientBase
{
    private static readonly ServiceDescriptor Service = StatisticsServiceReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Statistics");

    private static readonly Method<GetVerdictRequest, Verdict> GetVerdictMethod =
        Method<GetVerdictRequest, Verdict>.FromDescriptor(Service.FindMethodByName("GetVerdict"));
    private static readonly Method<WatchVerdictsRequest, Verdict> WatchVerdictsMethod =
        Method<WatchVerdictsRequest, Verdict>.FromDescriptor(Service.FindMethodByName("WatchVerdicts"));
    private static readonly Method<GetVerdictHistoryRequest, GetVerdictHistoryResponse> GetVerdictHistoryMethod =
        Method<GetVerdictHistoryRequest, GetVerdictHistoryResponse>.FromDescriptor(Service.FindMethodByName("GetVerdictHistory"));

    /// <summary>A client that calls through <paramref name="callInvoker"/>.</summary>
    public StatisticsClient(CallInvoker callInvoker)
        : base(callInvoker)
    {
    }

    /// <summary>A client that calls over <paramref name="channel"/>.</summary>
    public StatisticsClient(GrpcChannel channel)
        : base(channel)
    {
    }

    /// <summary>The current verdict of an experiment, or the one in force at a past time.</summary>
    public AsyncUnaryCall<Verdict> GetVerdictAsync(GetVerdictRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(GetVerdictMethod, options, request);

    /// <summary>The current verdict of each watched experiment, then every new one, until the call is cancelled.</summary>
    public AsyncServerStreamingCall<Verdict> WatchVerdicts(WatchVerdictsRequest request, CallOptions options = default) =>
        CallInvoker.AsyncServerStreamingCall(WatchVerdictsMethod, options, request);

    /// <summary>One page of an experiment's past verdicts, oldest first.</summary>
    public AsyncUnaryCall<GetVerdictHistoryResponse> GetVerdictHistoryAsync(GetVerdictHistoryRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(GetVerdictHistoryMethod, options, request);
}
