using Experiments.Contracts.V1;
using Experiments.Grpc;

namespace Experiments.Assignment.Tests.Support;

/// <summary>Typed client of experiments.v1.ExperimentAdmin, built from the proto's descriptor only.</summary>
internal sealed class ExperimentAdminClient(CallInvoker invoker, Metadata? headers = null) : ClientBase(invoker)
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = ExperimentServiceReflection.Descriptor.Services[0];

    public Task<Experiment> CreateAsync(CreateExperimentRequest request) => Unary<CreateExperimentRequest, Experiment>("CreateExperiment", request);

    public Task<Experiment> GetAsync(GetExperimentRequest request) => Unary<GetExperimentRequest, Experiment>("GetExperiment", request);

    public Task<ListExperimentsResponse> ListAsync(ListExperimentsRequest request) => Unary<ListExperimentsRequest, ListExperimentsResponse>("ListExperiments", request);

    public Task<Experiment> UpdateAsync(UpdateExperimentRequest request) => Unary<UpdateExperimentRequest, Experiment>("UpdateExperiment", request);

    public Task<Experiment> StartAsync(StartExperimentRequest request) => Unary<StartExperimentRequest, Experiment>("StartExperiment", request);

    public Task<Experiment> StopAsync(StopExperimentRequest request) => Unary<StopExperimentRequest, Experiment>("StopExperiment", request);

    public Task<Experiment> RampAsync(RampExperimentRequest request) => Unary<RampExperimentRequest, Experiment>("RampExperiment", request);

    public Task<Experiment> ArchiveAsync(ArchiveExperimentRequest request) => Unary<ArchiveExperimentRequest, Experiment>("ArchiveExperiment", request);

    public Task<ListAuditEntriesResponse> ListAuditAsync(ListAuditEntriesRequest request) => Unary<ListAuditEntriesRequest, ListAuditEntriesResponse>("ListAuditEntries", request);

    private async Task<TResponse> Unary<TRequest, TResponse>(string name, TRequest request)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse>
    {
        using var call = CallInvoker.AsyncUnaryCall(Method<TRequest, TResponse>.FromDescriptor(Service.FindMethodByName(name)),
            new CallOptions(headers, DateTime.UtcNow.AddSeconds(30)), request);
        return await call.ResponseAsync;
    }
}

/// <summary>Typed client of experiments.v1.Assignment.</summary>
internal sealed class AssignmentClient(CallInvoker invoker, Metadata? headers = null) : ClientBase(invoker)
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = AssignmentServiceReflection.Descriptor.Services[0];

    public async Task<AssignResponse> AssignAsync(AssignRequest request)
    {
        using var call = CallInvoker.AsyncUnaryCall(Method<AssignRequest, AssignResponse>.FromDescriptor(Service.FindMethodByName("Assign")),
            new CallOptions(headers, DateTime.UtcNow.AddSeconds(30)), request);
        return await call.ResponseAsync;
    }

    public async Task<AssignBatchResponse> AssignBatchAsync(AssignBatchRequest request)
    {
        using var call = CallInvoker.AsyncUnaryCall(Method<AssignBatchRequest, AssignBatchResponse>.FromDescriptor(Service.FindMethodByName("AssignBatch")),
            new CallOptions(headers, DateTime.UtcNow.AddSeconds(60)), request);
        return await call.ResponseAsync;
    }

    public AsyncServerStreamingCall<WatchDefinitionsResponse> Watch(WatchDefinitionsRequest request, CancellationToken cancellationToken) =>
        CallInvoker.AsyncServerStreamingCall(Method<WatchDefinitionsRequest, WatchDefinitionsResponse>.FromDescriptor(Service.FindMethodByName("WatchDefinitions")),
            new CallOptions(headers, cancellationToken: cancellationToken), request);
}
