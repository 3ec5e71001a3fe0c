using Experiments.Contracts.V1;
using Experiments.Grpc;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Experiments.Clients;

/// <summary>Typed client of <c>experiments.v1.Assignment</c>: remote assignment and the definitions feed.</summary>
public sealed class AssignmentClient : ClientBase
{
    private static readonly ServiceDescriptor Service = AssignmentServiceReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Assignment");

    private static readonly Method<AssignRequest, AssignResponse> AssignMethod =
        Method<AssignRequest, AssignResponse>.FromDescriptor(Service.FindMethodByName("Assign"));
    private static readonly Method<AssignBatchRequest, AssignBatchResponse> AssignBatchMethod =
        Method<AssignBatchRequest, AssignBatchResponse>.FromDescriptor(Service.FindMethodByName("AssignBatch"));
    private static readonly Method<WatchDefinitionsRequest, WatchDefinitionsResponse> WatchDefinitionsMethod =
        Method<WatchDefinitionsRequest, WatchDefinitionsResponse>.FromDescriptor(Service.FindMethodByName("WatchDefinitions"));

    /// <summary>A client that calls through <paramref name="callInvoker"/>.</summary>
    public AssignmentClient(CallInvoker callInvoker)
        : base(callInvoker)
    {
    }

    /// <summary>A client that calls over <paramref name="channel"/>.</summary>
    public AssignmentClient(GrpcChannel channel)
        : base(channel)
    {
    }

    /// <summary>The variants of one unit.</summary>
    public AsyncUnaryCall<AssignResponse> AssignAsync(AssignRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(AssignMethod, options, request);

    /// <summary>The variants of several units.</summary>
    public AsyncUnaryCall<AssignBatchResponse> AssignBatchAsync(AssignBatchRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(AssignBatchMethod, options, request);

    /// <summary>A snapshot of the definitions, then every change, until the call is cancelled.</summary>
    public AsyncServerStreamingCall<WatchDefinitionsResponse> WatchDefinitions(WatchDefinitionsRequest request, CallOptions options = default) =>
        CallInvoker.AsyncServerStreamingCall(WatchDefinitionsMethod, options, request);
}
