using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Sdk.Telemetry;

/// <summary>Typed client of experiments.v1.Ingestion, the part the SDK uses.</summary>
internal sealed class IngestionClient(CallInvoker callInvoker) : ClientBase(callInvoker)
{
    private static readonly Method<EventBatch, IngestResponse> IngestStreamMethod =
        Method<EventBatch, IngestResponse>.FromDescriptor(IngestionServiceReflection.Descriptor.Services[0].FindMethodByName("IngestStream"));

    public AsyncDuplexStreamingCall<EventBatch, IngestResponse> IngestStream(CallOptions options) =>
        CallInvoker.AsyncDuplexStreamingCall(IngestStreamMethod, options);
}
