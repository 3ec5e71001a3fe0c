using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Sdk.Definitions;

/// <summary>Typed client of experiments.v1.Assignment, the part the SDK uses.</summary>
internal sealed class AssignmentClient(CallInvoker callInvoker) : ClientBase(callInvoker)
{
    private static readonly Method<WatchDefinitionsRequest, WatchDefinitionsResponse> WatchDefinitionsMethod =
        Method<WatchDefinitionsRequest, WatchDefinitionsResponse>.FromDescriptor(AssignmentServiceReflection.Descriptor.Services[0].FindMethodByName("WatchDefinitions"));

    public AsyncServerStreamingCall<WatchDefinitionsResponse> WatchDefinitions(WatchDefinitionsRequest request, CallOptions options) =>
        CallInvoker.AsyncServerStreamingCall(WatchDefinitionsMethod, options, request);
}
