using System.Collections.Concurrent;
using Experiments.Contracts.V1;
using Grpc.Core;

namespace Experiments.Cli.Tests.Traffic;

/// <summary>What a gRPC double received: the messages of one call and its request metadata.</summary>
public sealed record ReceivedCall(string Method, IReadOnlyList<Google.Protobuf.IMessage> Messages, Metadata Headers);

/// <summary>Records the calls a grpc-dotnet server received, shared by the doubles below.</summary>
public sealed class ReceivedCalls
{
    public ConcurrentQueue<ReceivedCall> Calls { get; } = new();
}

/// <summary>ExperimentAdmin double: CreateExperiment (unary) records the request and echoes the experiment.</summary>
public sealed class RecordingExperimentAdmin(ReceivedCalls received) : ExperimentAdmin.ExperimentAdminBase
{
    public override Task<Experiment> CreateExperiment(CreateExperimentRequest request, ServerCallContext context)
    {
        received.Calls.Enqueue(new ReceivedCall("CreateExperiment", [request], context.RequestHeaders));
        var created = request.Experiment.Clone();
        created.Id = request.ExperimentId;
        created.Revision = 1;
        return Task.FromResult(created);
    }
}

/// <summary>Ingestion double: Ingest (client streaming) records every batch of the stream.</summary>
public sealed class RecordingIngestion(ReceivedCalls received) : Ingestion.IngestionBase
{
    public override async Task<IngestResponse> Ingest(IAsyncStreamReader<EventBatch> requestStream, ServerCallContext context)
    {
        var batches = new List<Google.Protobuf.IMessage>();
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
        {
            batches.Add(batch);
        }
        received.Calls.Enqueue(new ReceivedCall("Ingest", batches, context.RequestHeaders));
        return new IngestResponse { BatchSequence = batches.Count };
    }
}
