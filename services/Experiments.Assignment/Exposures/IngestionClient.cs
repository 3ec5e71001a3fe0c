using Experiments.Contracts.V1;
using Experiments.Grpc;

namespace Experiments.Assignment.Exposures;

/// <summary>Typed client of experiments.v1.Ingestion, the part the exposure sender uses.</summary>
public sealed class IngestionClient : ClientBase
{
    private static readonly Method<EventBatch, IngestResponse> IngestBatchMethod =
        Method<EventBatch, IngestResponse>.FromDescriptor(IngestionServiceReflection.Descriptor.Services[0].FindMethodByName("IngestBatch"));

    public IngestionClient(CallInvoker callInvoker)
        : base(callInvoker)
    {
    }

    public AsyncUnaryCall<IngestResponse> IngestBatchAsync(EventBatch request, CallOptions options) =>
        CallInvoker.AsyncUnaryCall(IngestBatchMethod, options, request);
}
