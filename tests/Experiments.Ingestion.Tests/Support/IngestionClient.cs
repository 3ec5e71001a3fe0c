using Experiments.Contracts.V1;
using Experiments.Grpc;

namespace Experiments.Ingestion.Tests.Support;

/// <summary>A typed client of experiments.v1.Ingestion over the project's own gRPC client.</summary>
internal sealed class IngestionClient(CallInvoker invoker, string? apiKey)
{
    private static readonly Google.Protobuf.Reflection.ServiceDescriptor Service = IngestionServiceReflection.Descriptor.Services[0];
    private static readonly Method<EventBatch, IngestResponse> IngestMethod = Method<EventBatch, IngestResponse>.FromDescriptor(Service.FindMethodByName("Ingest"));
    private static readonly Method<EventBatch, IngestResponse> IngestBatchMethod = Method<EventBatch, IngestResponse>.FromDescriptor(Service.FindMethodByName("IngestBatch"));
    private static readonly Method<EventBatch, IngestResponse> IngestStreamMethod = Method<EventBatch, IngestResponse>.FromDescriptor(Service.FindMethodByName("IngestStream"));

    public IngestionClient(GrpcChannel channel, string? apiKey)
        : this(channel.CreateCallInvoker(), apiKey)
    {
    }

    public AsyncUnaryCall<IngestResponse> IngestBatchAsync(EventBatch batch, CancellationToken cancellationToken = default) =>
        invoker.AsyncUnaryCall(IngestBatchMethod, Options(cancellationToken), batch);

    public AsyncClientStreamingCall<EventBatch, IngestResponse> Ingest(CancellationToken cancellationToken = default) =>
        invoker.AsyncClientStreamingCall(IngestMethod, Options(cancellationToken));

    public AsyncDuplexStreamingCall<EventBatch, IngestResponse> IngestStream(CancellationToken cancellationToken = default) =>
        invoker.AsyncDuplexStreamingCall(IngestStreamMethod, Options(cancellationToken));

    private CallOptions Options(CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (apiKey is not null)
        {
            headers.Add("authorization", "Bearer " + apiKey);
        }
        return new CallOptions(headers, cancellationToken: cancellationToken);
    }
}
