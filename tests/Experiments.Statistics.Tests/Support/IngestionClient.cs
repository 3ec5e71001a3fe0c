using Experiments.Contracts.V1;
using Experiments.Grpc;

namespace Experiments.Statistics.Tests.Support;

/// <summary>Ingestion.IngestBatch over the project's own gRPC client (the real ingestion process is its peer).</summary>
internal sealed class IngestionClient(GrpcChannel channel, string apiKey) : ClientBase(channel.CreateCallInvoker())
{
    private static readonly Method<EventBatch, IngestResponse> IngestBatchMethod = Method<EventBatch, IngestResponse>.FromDescriptor(
        IngestionServiceReflection.Descriptor.Services[0].FindMethodByName("IngestBatch"));

    public AsyncUnaryCall<IngestResponse> IngestBatchAsync(EventBatch batch, CancellationToken cancellationToken = default) =>
        CallInvoker.AsyncUnaryCall(IngestBatchMethod, new CallOptions(new Metadata { { "authorization", "Bearer " + apiKey } }, cancellationToken: cancellationToken), batch);
}
