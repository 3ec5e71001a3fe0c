using Experiments.Contracts.V1;
using Experiments.Grpc;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Experiments.Clients;

/// <summary>Typed client of <c>experiments.v1.ExperimentAdmin</c>: experiment definitions and their lifecycle.</summary>
public sealed class ExperimentAdminClient : ClientBase
{
    private static readonly ServiceDescriptor Service = ExperimentServiceReflection.Descriptor.FindTypeByName<ServiceDescriptor>("ExperimentAdmin");

    private static readonly Method<CreateExperimentRequest, Experiment> CreateMethod = Unary<CreateExperimentRequest, Experiment>("CreateExperiment");
    private static readonly Method<GetExperimentRequest, Experiment> GetMethod = Unary<GetExperimentRequest, Experiment>("GetExperiment");
    private static readonly Method<ListExperimentsRequest, ListExperimentsResponse> ListMethod = Unary<ListExperimentsRequest, ListExperimentsResponse>("ListExperiments");
    private static readonly Method<UpdateExperimentRequest, Experiment> UpdateMethod = Unary<UpdateExperimentRequest, Experiment>("UpdateExperiment");
    private static readonly Method<StartExperimentRequest, Experiment> StartMethod = Unary<StartExperimentRequest, Experiment>("StartExperiment");
    private static readonly Method<StopExperimentRequest, Experiment> StopMethod = Unary<StopExperimentRequest, Experiment>("StopExperiment");
    private static readonly Method<RampExperimentRequest, Experiment> RampMethod = Unary<RampExperimentRequest, Experiment>("RampExperiment");
    private static readonly Method<ArchiveExperimentRequest, Experiment> ArchiveMethod = Unary<ArchiveExperimentRequest, Experiment>("ArchiveExperiment");
    private static readonly Method<ListAuditEntriesRequest, ListAuditEntriesResponse> ListAuditMethod = Unary<ListAuditEntriesRequest, ListAuditEntriesResponse>("ListAuditEntries");

    /// <summary>A client that calls through <paramref name="callInvoker"/>.</summary>
    public ExperimentAdminClient(CallInvoker callInvoker)
        : base(callInvoker)
    {
    }

    /// <summary>A client that calls over <paramref name="channel"/>.</summary>
    public ExperimentAdminClient(GrpcChannel channel)
        : base(channel)
    {
    }

    /// <summary>Creates an experiment in DRAFT with revision 1.</summary>
    public AsyncUnaryCall<Experiment> CreateExperimentAsync(CreateExperimentRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(CreateMethod, options, request);

    /// <summary>The latest revision of an experiment, or a given past one.</summary>
    public AsyncUnaryCall<Experiment> GetExperimentAsync(GetExperimentRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(GetMethod, options, request);

    /// <summary>One page of experiments, newest first.</summary>
    public AsyncUnaryCall<ListExperimentsResponse> ListExperimentsAsync(ListExperimentsRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(ListMethod, options, request);

    /// <summary>Replaces the fields named in the update mask.</summary>
    public AsyncUnaryCall<Experiment> UpdateExperimentAsync(UpdateExperimentRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(UpdateMethod, options, request);

    /// <summary>DRAFT → RUNNING.</summary>
    public AsyncUnaryCall<Experiment> StartExperimentAsync(StartExperimentRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(StartMethod, options, request);

    /// <summary>RUNNING → STOPPED, serving the final variant to every unit.</summary>
    public AsyncUnaryCall<Experiment> StopExperimentAsync(StopExperimentRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(StopMethod, options, request);

    /// <summary>Changes the rollout percent and/or the variant weights.</summary>
    public AsyncUnaryCall<Experiment> RampExperimentAsync(RampExperimentRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(RampMethod, options, request);

    /// <summary>DRAFT or STOPPED → ARCHIVED.</summary>
    public AsyncUnaryCall<Experiment> ArchiveExperimentAsync(ArchiveExperimentRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(ArchiveMethod, options, request);

    /// <summary>One page of the audit trail, newest first.</summary>
    public AsyncUnaryCall<ListAuditEntriesResponse> ListAuditEntriesAsync(ListAuditEntriesRequest request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(ListAuditMethod, options, request);

    /// <summary>Every experiment matching <paramref name="request"/>'s filters, following the page tokens.</summary>
    public async IAsyncEnumerable<Experiment> ListAllExperimentsAsync(
        ListExperimentsRequest request,
        CallOptions options = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var page = request.Clone();
        do
        {
            var response = await ListExperimentsAsync(page, options).ResponseAsync.ConfigureAwait(false);
            foreach (var experiment in response.Experiments)
            {
                yield return experiment;
            }
            page.PageToken = response.NextPageToken;
        }
        while (page.PageToken.Length > 0);
    }

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse> =>
        Method<TRequest, TResponse>.FromDescriptor(Service.FindMethodByName(name));
}
