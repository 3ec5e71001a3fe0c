using Experiments.Contracts.V1;
using Experiments.Grpc;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Experiments.Clients;

/// <summary>Typed client of <c>experiments.v1.Ingestion</c>: telemetry in batches.</summary>
public sealed class IngestionClient : ClientBase
{
    private static readonly ServiceDescriptor Service = IngestionServiceReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Ingestion");

    private static readonly Method<EventBatch, IngestResponse> IngestMethod =
        Method<EventBatch, IngestResponse>.FromDescriptor(Service.FindMethodByName("Ingest"));
    private static readonly Method<EventBatch, IngestResponse> IngestBatchMethod =
        Method<EventBatch, IngestResponse>.FromDescriptor(Service.FindMethodByName("IngestBatch"));
    private static readonly Method<EventBatch, IngestResponse> IngestStreamMethod =
        Method<EventBatch, IngestResponse>.FromDescriptor(Service.FindMethodByName("IngestStream"));

    /// <summary>A client that calls through <paramref name="callInvoker"/>.</summary>
    public IngestionClient(CallInvoker callInvoker)
        : base(callInvoker)
    {
    }

    /// <summary>A client that calls over <paramref name="channel"/>.</summary>
    public IngestionClient(GrpcChannel channel)
        : base(channel)
    {
    }

    /// <summary>A stream of batches answered once, when the client completes the stream.</summary>
    public AsyncClientStreamingCall<EventBatch, IngestResponse> Ingest(CallOptions options = default) =>
        CallInvoker.AsyncClientStreamingCall(IngestMethod, options);

    /// <summary>One batch, acknowledged once durably logged.</summary>
    public AsyncUnaryCall<IngestResponse> IngestBatchAsync(EventBatch request, CallOptions options = default) =>
        CallInvoker.AsyncUnaryCall(IngestBatchMethod, options, request);

    /// <summary>Batches both ways: one acknowledgement per batch, in order.</summary>
    public AsyncDuplexStreamingCall<EventBatch, IngestResponse> IngestStream(CallOptions options = default) =>
        CallInvoker.AsyncDuplexStreamingCall(IngestStreamMethod, options);
}
