using Experiments.Contracts.V1;
using Grpc.Core;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Experiments.Statistics.Definitions;

/// <summary>Typed client of the assignment service's WatchDefinitions and ExperimentAdmin.GetExperiment/RampExperiment.</summary>
internal sealed class AssignmentClient(CallInvoker invoker) : ClientBase(invoker)
{
    private static readonly ServiceDescriptor Assignment = AssignmentServiceReflection.Descriptor.Services[0];
    private static readonly ServiceDescriptor Admin = ExperimentServiceReflection.Descriptor.Services[0];

    private static readonly Method<WatchDefinitionsRequest, WatchDefinitionsResponse> WatchDefinitionsMethod =
        Method<WatchDefinitionsRequest, WatchDefinitionsResponse>.FromDescriptor(Assignment.FindMethodByName("WatchDefinitions"));
    private static readonly Method<RampExperimentRequest, Experiment> RampExperimentMethod =
        Method<RampExperimentRequest, Experiment>.FromDescriptor(Admin.FindMethodByName("RampExperiment"));
    private static readonly Method<GetExperimentRequest, Experiment> GetExperimentMethod =
        Method<GetExperimentRequest, Experiment>.FromDescriptor(Admin.FindMethodByName("GetExperiment"));

    public AsyncServerStreamingCall<WatchDefinitionsResponse> WatchDefinitions(WatchDefinitionsRequest request, CallOptions options = default) =>
        CallInvoker.AsyncServerStreamingCall(WatchDefinitionsMethod, options, request);

    public AsyncUnaryCall<Experiment> RampExperiment(RampExperimentRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(RampExperimentMethod, options, request);

    public AsyncUnaryCall<Experiment> GetExperiment(GetExperimentRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(GetExperimentMethod, options, request);
}
